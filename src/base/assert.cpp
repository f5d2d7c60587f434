#include "base/assert.hpp"

#include <cstdio>
#include <cstdlib>

namespace hyphae {
void assert_fail(const char* expr, const char* file, int line) noexcept {
  (void)std::fprintf(stderr, "hyphae: assertion failed: %s at %s:%d\n", expr, file, line);
  std::abort();
}
}  // namespace hyphae
