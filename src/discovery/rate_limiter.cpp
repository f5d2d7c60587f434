#include "discovery/rate_limiter.hpp"

#include <algorithm>

#include "base/assert.hpp"

namespace hyphae::discovery {

SourceRateLimiter::SourceRateLimiter(const RateLimitConfig& config) : config_(config) {
  HYPHAE_ASSERT(config_.interval > Duration{});
  HYPHAE_ASSERT(config_.burst >= 1);
  HYPHAE_ASSERT(config_.sources_max >= 1);
}

bool SourceRateLimiter::allow(Instant now, const Endpoint& source) {
  HYPHAE_ASSERT(now >= last_now_);
  last_now_ = now;
  Endpoint key = source;
  key.port = 0;  // a host's rate, whatever port it sends from

  auto it = by_ip_.find(key);
  if (it == by_ip_.end()) {
    if (by_ip_.size() == config_.sources_max) {
      by_ip_.erase(lru_.back());
      lru_.pop_back();
      evictions_ += 1;
    }
    lru_.push_front(key);
    it = by_ip_.emplace(key, Source{now, lru_.begin()}).first;
  } else {
    lru_.splice(lru_.begin(), lru_, it->second.lru);
  }
  HYPHAE_ASSERT(by_ip_.size() <= config_.sources_max);
  HYPHAE_ASSERT(by_ip_.size() == lru_.size());

  // GCRA: a datagram conforms if it is at most `burst - 1` intervals ahead of
  // the schedule; each conforming one pushes the schedule one interval on.
  Source& s = it->second;
  const Instant tat = std::max(s.tat, now);
  const Duration tolerance = config_.interval * static_cast<std::int64_t>(config_.burst - 1);
  if (tat - now > tolerance) return false;
  s.tat = tat + config_.interval;
  return true;
}

}  // namespace hyphae::discovery
