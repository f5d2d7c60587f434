#include "daemon/health.hpp"

#include <fmt/format.h>

#include "base/assert.hpp"

namespace hyphae::daemon {

HealthMonitor::HealthMonitor(const HealthSettings& settings, bool expects_peers, Instant started)
    : settings_(settings), expects_peers_(expects_peers), peers_since_(started) {
  HYPHAE_ASSERT(settings.window.ns > 0);
}

void HealthMonitor::observe(const HealthInput& in) {
  if (store_errors_ && in.store_errors > *store_errors_) {
    if (!last_store_error_ || in.now - *last_store_error_ > settings_.window) store_errors_recent_ = 0;
    store_errors_recent_ += in.store_errors - *store_errors_;
    last_store_error_ = in.now;
  }
  store_errors_ = in.store_errors;

  has_peers_ = in.live_peers > 0;
  if (has_peers_) peers_since_ = in.now;

  const bool stale = !worst_lag_at_ || in.now - *worst_lag_at_ > settings_.window;
  if (stale || in.loop_lag > worst_lag_) {
    worst_lag_ = in.loop_lag;
    worst_lag_at_ = in.now;
  }
}

std::vector<std::string> HealthMonitor::reasons(Instant now) const {
  std::vector<std::string> out;
  if (last_store_error_ && now - *last_store_error_ <= settings_.window) {
    out.push_back(fmt::format("store: {} failed calls in the last {:.0f} s (see the daemon log)",
                              store_errors_recent_, settings_.window.seconds()));
  }
  if (expects_peers_ && !has_peers_ && now - peers_since_ >= settings_.join_grace) {
    out.push_back(
        fmt::format("no peers: bootstrap or peers are configured but no peer has been alive for "
                    "{:.0f} s",
                    (now - peers_since_).seconds()));
  }
  if (worst_lag_at_ && now - *worst_lag_at_ <= settings_.window && worst_lag_ > settings_.loop_lag_max) {
    out.push_back(fmt::format("event loop lag: a timer fired {:.0f} ms late (limit {:.0f} ms)",
                              worst_lag_.ms(), settings_.loop_lag_max.ms()));
  }
  return out;
}

}  // namespace hyphae::daemon
