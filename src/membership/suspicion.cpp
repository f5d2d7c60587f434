#include "membership/suspicion.hpp"

#include <algorithm>
#include <cmath>

namespace hyphae::membership {

Duration suspicion_min(double mult, std::size_t members, Duration probe_interval) {
  // Literally mult * log10(N) * interval (memberlist floors log10 at 1; we do
  // not, so a 5-node mesh confirms a death in 2.8 s, not 4), but never less
  // than one probe interval.
  const double scale = std::log10(static_cast<double>(std::max<std::size_t>(members, 2)));
  const Duration t{static_cast<std::int64_t>(mult * scale * static_cast<double>(probe_interval.ns))};
  return std::max(t, probe_interval);
}

Duration SuspicionTimeout::after(std::size_t confirmations) const {
  if (expected_confirmations == 0 || max <= min) return min;
  const double frac = std::log(static_cast<double>(confirmations) + 1.0) /
                      std::log(static_cast<double>(expected_confirmations) + 1.0);
  const auto span = static_cast<double>((max - min).ns);
  const auto t = Duration{static_cast<std::int64_t>(static_cast<double>(max.ns) - span * frac)};
  return std::max(min, t);
}

}  // namespace hyphae::membership
