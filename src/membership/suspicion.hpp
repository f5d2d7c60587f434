// Lifeguard's suspicion timeout (LHA-suspicion; memberlist suspicion.go):
// a suspicion starts with a long timeout and shrinks, logarithmically, as
// independent members confirm it, down to the SWIM minimum
//   min = max(probe_interval, mult * log10(N) * probe_interval).
// With k expected confirmations and c received:
//   timeout = max(min, max_timeout - (max_timeout - min) * log(c + 1) / log(k + 1)).
// Plain SWIM (lifeguard off) uses min from the start.
#pragma once

#include <cstddef>

#include "base/time.hpp"

namespace hyphae::membership {

Duration suspicion_min(double mult, std::size_t members, Duration probe_interval);

struct SuspicionTimeout {
  Duration min;
  Duration max;
  std::size_t expected_confirmations = 0;  // k

  Duration after(std::size_t confirmations) const;
};

}  // namespace hyphae::membership
