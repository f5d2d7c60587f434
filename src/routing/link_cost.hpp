// Link cost from what the link layer measures (DESIGN.md §2 link/: SRTT and
// loss per session). Babel leaves the metric to the implementation (RFC 8966
// §3.4.3, Appendix A); this follows babeld: ETX for loss (a lossy link costs
// base/(1-loss)^2, i.e. babeld's a*b/256 with the same loss both ways) plus the
// babel-rtt penalty, linear between rtt_min and rtt_max (babeld's
// neighbour_rttcost). The link layer's numbers wobble, so CostSmoother feeds
// the router a cost that moves only when the link really changed.
#pragma once

#include <cstdint>
#include <optional>

#include "base/time.hpp"

namespace hyphae::routing {

struct LinkCostConfig {
  std::uint16_t base = 256;              // a perfect link: one hop
  double max_loss = 0.9;                 // at or above: unusable (kInfinity)
  Duration rtt_min = milliseconds(10);   // below: no RTT penalty (a LAN)
  Duration rtt_max = milliseconds(300);  // above: the whole penalty (an intercontinental hop)
  std::uint16_t max_rtt_penalty = 512;   // two hops' worth: a slow hop loses to two quick ones
};

// Pure: base / (1 - loss)^2 + rtt penalty, capped at kInfinity - 1 (a bad but
// live link stays usable); kInfinity when loss >= max_loss. loss is clamped
// to [0, 1]; a negative rtt counts as 0.
std::uint16_t link_cost(const LinkCostConfig& config, Duration rtt, double loss);

// EWMA of the raw cost (weight `alpha` for a new sample, babeld's rtt-decay is
// 42/256) with a dead band: the published cost changes only when the average
// moved more than max(min_step, band * published). kInfinity is published at
// once, and the first finite sample after it too (a link that comes back is
// taken as measured).
class CostSmoother {
 public:
  struct Config {
    double alpha = 42.0 / 256.0;
    double band = 0.125;
    std::uint16_t min_step = 16;
  };
  CostSmoother() = default;
  explicit CostSmoother(Config config) : config_(config) {}

  // One measurement in, the cost to hand to Router::set_link_cost out.
  std::uint16_t update(std::uint16_t raw);
  std::optional<std::uint16_t> published() const { return published_; }

 private:
  Config config_;
  double average_ = 0;
  std::optional<std::uint16_t> published_;
};

}  // namespace hyphae::routing
