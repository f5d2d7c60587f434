// Host measurements of a run: wall time and peak RSS. REPORTING ONLY: nothing
// the simulation decides may depend on these (they differ between runs). This
// pair of files is the only place in src/sim that reads a real clock.
#pragma once

#include <cstdint>

namespace hyphae::sim {

class WallClock {
 public:
  WallClock();
  std::int64_t elapsed_ms() const;

 private:
  std::int64_t start_ns_;
};

// Peak resident set size of this process so far, in KiB (getrusage).
std::int64_t peak_rss_kib();

}  // namespace hyphae::sim
