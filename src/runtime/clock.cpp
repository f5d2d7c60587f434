#include "runtime/clock.hpp"

#include <algorithm>
#include <chrono>

namespace hyphae::runtime {

Instant monotonic_now() {
  // steady_clock never goes back, but clamp anyway: cores assert on it.
  static thread_local std::int64_t last = 0;
  const auto ns = std::chrono::duration_cast<std::chrono::nanoseconds>(
                      std::chrono::steady_clock::now().time_since_epoch())
                      .count();
  last = std::max<std::int64_t>(last, ns);
  return Instant{last};
}

}  // namespace hyphae::runtime
