// The daemon's own health for GET /healthz and GET status: plain logic, fed
// once a second with what the daemon sees, time passed in.
//
// Unhealthy (503) when, in the last window:
//   - the store failed a call (errors counted by the store);
//   - the node expects peers (bootstrap or peers configured) and has had no
//     live one for join_grace, since start or since it last had one;
//   - the event loop ran late by more than loop_lag_max (a once-a-second
//     timer fired that much after its time: API, timers and packets waited).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "base/time.hpp"

namespace hyphae::daemon {

struct HealthSettings {
  Duration join_grace = seconds(30);
  Duration loop_lag_max = seconds(1);
  Duration window = seconds(60);  // how long a store error or a lag spike counts
};

struct HealthInput {
  Instant now;
  std::uint64_t store_errors = 0;  // the store's running count
  std::size_t live_peers = 0;      // alive members, or connected sessions
  Duration loop_lag;               // how late the once-a-second timer fired
};

class HealthMonitor {
 public:
  HealthMonitor(const HealthSettings& settings, bool expects_peers, Instant started);

  void observe(const HealthInput& in);
  // Empty: healthy. Otherwise one sentence per failed check.
  std::vector<std::string> reasons(Instant now) const;

 private:
  HealthSettings settings_;
  bool expects_peers_;
  std::optional<std::uint64_t> store_errors_;  // the count last seen
  std::uint64_t store_errors_recent_ = 0;      // new errors since last_store_error_ - window
  std::optional<Instant> last_store_error_;
  Instant peers_since_;  // the last time there was a live peer (or the start)
  bool has_peers_ = false;
  Duration worst_lag_;
  std::optional<Instant> worst_lag_at_;
};

}  // namespace hyphae::daemon
