// Per-source-address rate limit for beacons, so one host (or one spoofer)
// cannot make us verify signatures at line rate. A token bucket per source IP,
// written as GCRA (RFC 2697's token bucket in its "theoretical arrival time"
// form): one Instant per source instead of a token count and a refill time,
// and pure integer arithmetic, so simulations replay exactly.
//
// The table is bounded: when it holds `sources_max` addresses and a new one
// arrives, the least recently seen address is forgotten. A forgotten address
// starts again with a full burst, which is the worst a flood of fresh spoofed
// sources can win, and it costs them the table's whole capacity to do so.
#pragma once

#include <cstddef>
#include <cstdint>
#include <list>
#include <unordered_map>

#include "base/endpoint.hpp"
#include "base/time.hpp"

namespace hyphae::discovery {

struct RateLimitConfig {
  Duration interval = seconds(1);  // sustained rate: one beacon per interval
  std::uint32_t burst = 5;         // beacons accepted back to back from a quiet source
  std::size_t sources_max = 4096;
};

class SourceRateLimiter {
 public:
  explicit SourceRateLimiter(const RateLimitConfig& config);

  // True if a datagram from `source` (its port is ignored) may be processed
  // now; takes one token if so. `now` must not decrease (asserted).
  bool allow(Instant now, const Endpoint& source);

  [[nodiscard]] std::size_t size() const { return by_ip_.size(); }
  [[nodiscard]] std::uint64_t evictions() const { return evictions_; }

 private:
  struct Source {
    Instant tat;  // theoretical arrival time of the next conforming datagram
    std::list<Endpoint>::iterator lru;
  };

  RateLimitConfig config_;
  // Most recently seen at the front; the back is evicted first.
  std::list<Endpoint> lru_;
  std::unordered_map<Endpoint, Source> by_ip_;
  Instant last_now_{};
  std::uint64_t evictions_ = 0;
};

}  // namespace hyphae::discovery
