// The real runtime's clock: the ONLY place outside the simulator that turns
// the machine's monotonic clock into the Instants the cores take.
#pragma once

#include "base/time.hpp"

namespace hyphae::runtime {
Instant monotonic_now();
}  // namespace hyphae::runtime
