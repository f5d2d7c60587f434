// Latency percentiles in fixed memory: log-linear buckets (16 per power of
// two, so any reported percentile is within 1/16 ≈ 6 % of the true value),
// microsecond resolution, up to about 2^40 µs (12 days).
#pragma once

#include <array>
#include <cstdint>

#include "base/time.hpp"

namespace hyphae::messaging {

class LatencyHistogram {
 public:
  void record(Duration d);
  // The q-quantile (0 < q <= 1): an upper bound of the bucket holding it;
  // zero when empty.
  Duration quantile(double q) const;
  std::uint64_t count() const { return count_; }
  Duration sum() const { return sum_; }
  // Samples no larger than `d` (exact at bucket bounds; a bucket straddling
  // `d` counts only when its upper bound is <= d). For Prometheus buckets.
  std::uint64_t count_at_most(Duration d) const;

 private:
  static constexpr std::size_t kSubBuckets = 16;
  static constexpr std::size_t kBuckets = kSubBuckets + 37 * kSubBuckets;
  static std::size_t bucket_of(std::uint64_t us);
  static std::uint64_t upper_bound_of(std::size_t bucket);

  std::array<std::uint64_t, kBuckets> counts_{};
  std::uint64_t count_ = 0;
  Duration sum_{};
};

}  // namespace hyphae::messaging
