// Smoothed round-trip time and its variation, exactly as RFC 6298 §2 computes
// them for TCP's retransmission timer (alpha = 1/8, beta = 1/4, K = 4).
#pragma once

#include <optional>

#include "base/time.hpp"

namespace hyphae::link {

class RttEstimator {
 public:
  void add_sample(Duration rtt);

  std::optional<Duration> srtt() const { return srtt_; }
  Duration rttvar() const { return rttvar_; }
  std::optional<Duration> latest() const { return latest_; }
  // RTO = SRTT + max(G, 4 * RTTVAR), clamped to [rto_min, rto_max]; rto_initial before any sample.
  Duration rto() const;

  static constexpr Duration kRtoInitial = seconds(1);
  static constexpr Duration kRtoMin = milliseconds(200);  // RFC says 1 s; a mesh on a LAN wants less
  static constexpr Duration kRtoMax = seconds(60);
  static constexpr Duration kClockGranularity = milliseconds(1);

 private:
  std::optional<Duration> srtt_;
  std::optional<Duration> latest_;
  Duration rttvar_{};
};

}  // namespace hyphae::link
