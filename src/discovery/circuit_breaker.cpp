#include "discovery/circuit_breaker.hpp"

#include <algorithm>
#include <cmath>

#include "base/assert.hpp"

namespace hyphae::discovery {

std::string_view name(BreakerState s) {
  switch (s) {
    case BreakerState::closed:
      return "closed";
    case BreakerState::open:
      return "open";
    case BreakerState::half_open:
      return "half_open";
  }
  return "invalid";
}

CircuitBreaker::CircuitBreaker(const CircuitBreakerConfig& config) : config_(config) {
  HYPHAE_ASSERT(config_.failure_threshold >= 1);
  HYPHAE_ASSERT(config_.open_initial > Duration{});
  HYPHAE_ASSERT(config_.open_max >= config_.open_initial);
  HYPHAE_ASSERT(config_.jitter >= 0.0 && config_.jitter < 1.0);
}

void CircuitBreaker::advance(Instant now) {
  HYPHAE_ASSERT(now >= last_now_);
  last_now_ = now;
}

bool CircuitBreaker::allow(Instant now) {
  advance(now);
  switch (state_) {
    case BreakerState::closed:
      return true;
    case BreakerState::open:
      if (now < open_until_) return false;
      state_ = BreakerState::half_open;
      trial_in_flight_ = true;
      return true;
    case BreakerState::half_open:
      if (trial_in_flight_) return false;
      trial_in_flight_ = true;
      return true;
  }
  return false;
}

void CircuitBreaker::on_success(Instant now) {
  advance(now);
  state_ = BreakerState::closed;
  failures_ = 0;
  reopens_ = 0;
  trial_in_flight_ = false;
}

void CircuitBreaker::on_failure(Instant now, Rng& rng) {
  advance(now);
  failures_ = failures_ == UINT32_MAX ? failures_ : failures_ + 1;
  switch (state_) {
    case BreakerState::closed:
      if (failures_ >= config_.failure_threshold) open(now, rng);
      return;
    case BreakerState::half_open:
      // The trial failed: the address is still down, wait longer this time.
      reopens_ = std::min<std::uint32_t>(reopens_ + 1, 62);
      open(now, rng);
      return;
    case BreakerState::open:
      // A dial started before the breaker opened; it tells us nothing new.
      return;
  }
}

void CircuitBreaker::open(Instant now, Rng& rng) {
  // Doubling stops once it reaches open_max, which also keeps the shift and
  // the multiplication far from overflow.
  Duration base = config_.open_initial;
  for (std::uint32_t i = 0; i < reopens_ && base < config_.open_max; ++i) base = base * 2;
  base = std::min(base, config_.open_max);
  const double factor = 1.0 - config_.jitter * rng.unit();
  const auto period = static_cast<std::int64_t>(std::llround(static_cast<double>(base.ns) * factor));
  state_ = BreakerState::open;
  trial_in_flight_ = false;
  open_until_ = now + nanoseconds(std::clamp<std::int64_t>(period, 1, config_.open_max.ns));
  HYPHAE_ASSERT(open_until_ > now);
}

std::optional<Instant> CircuitBreaker::retry_at() const {
  if (state_ != BreakerState::open) return std::nullopt;
  return open_until_;
}

}  // namespace hyphae::discovery
