#include "membership/health.hpp"

#include <algorithm>

namespace hyphae::membership {
namespace {

constexpr double kRttHalfScoreMs = 100.0;   // an RTT of 100 ms scores 0.5
constexpr double kUnknownRttScore = 0.5;    // neither good nor bad until measured
constexpr double kConnectionsFull = 256.0;  // connection count at which that part scores 0

double clamp01(double x) { return std::clamp(x, 0.0, 1.0); }

}  // namespace

HealthScore health_score(const HealthInputs& in) {
  HealthScore s;
  const double rtt_score = in.rtt ? 1.0 / (1.0 + in.rtt->ms() / kRttHalfScoreMs) : kUnknownRttScore;
  s.network = clamp01(0.5 * rtt_score + 0.5 * (1.0 - clamp01(in.loss)));
  s.uptime = clamp01(in.availability);
  if (in.resources) {
    const double cpu = 1.0 - in.resources->cpu_percent / 100.0;
    const double mem = 1.0 - in.resources->memory_percent / 100.0;
    const double conns = 1.0 - std::min(1.0, in.resources->connections / kConnectionsFull);
    s.resources = clamp01(0.4 * cpu + 0.4 * mem + 0.2 * conns);
  } else {
    s.resources = 0.5;
  }
  // Laplace's rule of succession: no history means 0.5, not 0 or 1.
  const auto good = static_cast<double>(in.good_interactions);
  const auto bad = static_cast<double>(in.bad_interactions);
  s.trust = (good + 1.0) / (good + bad + 2.0);
  s.total = 0.4 * s.network + 0.3 * s.uptime + 0.2 * s.resources + 0.1 * s.trust;
  return s;
}

}  // namespace hyphae::membership
