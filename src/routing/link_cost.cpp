#include "routing/link_cost.hpp"

#include <algorithm>
#include <cmath>

#include "routing/types.hpp"

namespace hyphae::routing {

std::uint16_t link_cost(const LinkCostConfig& c, Duration rtt, double loss) {
  if (!(loss >= 0.0)) loss = 0.0;  // also catches NaN
  loss = std::min(loss, 1.0);
  if (loss >= c.max_loss) return kInfinity;
  const double delivery = 1.0 - loss;
  double cost = static_cast<double>(c.base) / (delivery * delivery);
  if (c.max_rtt_penalty > 0 && rtt > c.rtt_min) {
    if (rtt >= c.rtt_max || c.rtt_max <= c.rtt_min) {
      cost += c.max_rtt_penalty;
    } else {
      const double span = static_cast<double>((c.rtt_max - c.rtt_min).ns);
      cost += c.max_rtt_penalty * static_cast<double>((rtt - c.rtt_min).ns) / span;
    }
  }
  cost = std::clamp(std::round(cost), 1.0, static_cast<double>(kInfinity - 1));
  return static_cast<std::uint16_t>(cost);
}

std::uint16_t CostSmoother::update(std::uint16_t raw) {
  if (raw == kInfinity || !published_ || *published_ == kInfinity) {
    average_ = raw;
    published_ = raw;
    return raw;
  }
  average_ += config_.alpha * (static_cast<double>(raw) - average_);
  const double band = std::max<double>(config_.min_step, config_.band * *published_);
  if (std::abs(average_ - *published_) > band) {
    published_ = static_cast<std::uint16_t>(std::clamp(std::round(average_), 1.0, double{kInfinity - 1}));
  }
  return *published_;
}

}  // namespace hyphae::routing
