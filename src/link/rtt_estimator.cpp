#include "link/rtt_estimator.hpp"

#include <algorithm>

#include "base/assert.hpp"

namespace hyphae::link {

void RttEstimator::add_sample(Duration rtt) {
  HYPHAE_ASSERT(rtt.ns >= 0);
  latest_ = rtt;
  if (!srtt_) {
    srtt_ = rtt;  // RFC 6298 (2.2)
    rttvar_ = rtt / 2;
    return;
  }
  const Duration err = *srtt_ > rtt ? *srtt_ - rtt : rtt - *srtt_;
  rttvar_ = (rttvar_ * 3 + err) / 4;  // (2.3): beta = 1/4, updated before SRTT
  srtt_ = (*srtt_ * 7 + rtt) / 8;     // alpha = 1/8
}

Duration RttEstimator::rto() const {
  if (!srtt_) return kRtoInitial;
  const Duration rto = *srtt_ + std::max(kClockGranularity, rttvar_ * 4);
  return std::clamp(rto, kRtoMin, kRtoMax);
}

}  // namespace hyphae::link
