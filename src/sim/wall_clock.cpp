#include "sim/wall_clock.hpp"

#include <sys/resource.h>

#include <chrono>

namespace hyphae::sim {
namespace {
std::int64_t now_ns() {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(
             std::chrono::steady_clock::now().time_since_epoch())
      .count();
}
}  // namespace

WallClock::WallClock() : start_ns_(now_ns()) {}

std::int64_t WallClock::elapsed_ms() const { return (now_ns() - start_ns_) / 1'000'000; }

std::int64_t peak_rss_kib() {
  rusage usage{};
  if (getrusage(RUSAGE_SELF, &usage) != 0) return 0;
  return usage.ru_maxrss;  // KiB on Linux
}

}  // namespace hyphae::sim
