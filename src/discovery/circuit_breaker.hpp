// Per-address dial circuit breaker (docs/discovery.md §4): stop dialling an
// address that keeps failing, and probe it again after a back-off that grows
// exponentially, so a dead bootstrap node costs a handful of packets an hour
// instead of one per dial attempt.
//
//   closed    --N consecutive failures-->  open
//   open      --open period elapsed, allow()-->  half_open (one trial allowed)
//   half_open --success-->  closed (back-off reset)
//   half_open --failure-->  open, for twice the previous period
//
// Open periods: min(open_max, open_initial * 2^k) * uniform(1 - jitter, 1],
// where k counts the times the breaker has reopened without a success in
// between. Jitter only shortens, so open_max is a true upper bound.
// Pure: time and randomness come in as arguments.
#pragma once

#include <cstdint>
#include <optional>
#include <string_view>

#include "base/rng.hpp"
#include "base/time.hpp"

namespace hyphae::discovery {

enum class BreakerState : std::uint8_t { closed, open, half_open };

std::string_view name(BreakerState s);

struct CircuitBreakerConfig {
  std::uint32_t failure_threshold = 3;  // consecutive failures that open a closed breaker
  Duration open_initial = seconds(1);
  Duration open_max = seconds(60);
  double jitter = 0.2;  // fraction of each open period drawn at random, in [0, 1)
};

class CircuitBreaker {
 public:
  explicit CircuitBreaker(const CircuitBreakerConfig& config = {});

  // May the caller dial now? In half_open exactly one trial is let through
  // until its outcome is reported. The caller must report the outcome of every
  // allowed dial with on_success or on_failure, or a half-open breaker stays
  // shut. `now` must not decrease (asserted).
  bool allow(Instant now);
  void on_success(Instant now);
  void on_failure(Instant now, Rng& rng);

  // The stored state: an open breaker becomes half_open in allow(), not by
  // the passage of time alone, so this never changes behind the caller's back.
  [[nodiscard]] BreakerState state() const { return state_; }
  // When an open breaker will let a trial through; nullopt unless open.
  [[nodiscard]] std::optional<Instant> retry_at() const;
  [[nodiscard]] std::uint32_t consecutive_failures() const { return failures_; }

 private:
  void open(Instant now, Rng& rng);
  void advance(Instant now);

  CircuitBreakerConfig config_;
  BreakerState state_ = BreakerState::closed;
  std::uint32_t failures_ = 0;  // consecutive, since the last success
  std::uint32_t reopens_ = 0;   // k in the period formula
  bool trial_in_flight_ = false;
  Instant open_until_;
  Instant last_now_;
};

}  // namespace hyphae::discovery
