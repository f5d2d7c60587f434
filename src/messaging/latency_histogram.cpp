#include "messaging/latency_histogram.hpp"

#include <algorithm>
#include <bit>
#include <cmath>

namespace hyphae::messaging {

std::size_t LatencyHistogram::bucket_of(std::uint64_t us) {
  if (us < kSubBuckets) return static_cast<std::size_t>(us);
  const auto msb = static_cast<std::size_t>(std::bit_width(us) - 1);  // >= 4
  const std::size_t shift = msb - 4;
  const std::size_t sub = static_cast<std::size_t>(us >> shift) - kSubBuckets;  // 0..15
  return std::min(kSubBuckets + shift * kSubBuckets + sub, kBuckets - 1);
}

std::uint64_t LatencyHistogram::upper_bound_of(std::size_t bucket) {
  if (bucket < kSubBuckets) return bucket;
  const std::size_t shift = (bucket - kSubBuckets) / kSubBuckets;
  const std::size_t sub = (bucket - kSubBuckets) % kSubBuckets;
  return ((std::uint64_t{kSubBuckets} + sub + 1) << shift) - 1;
}

void LatencyHistogram::record(Duration d) {
  const std::int64_t us = d.ns / 1000;
  counts_[bucket_of(us < 0 ? 0 : static_cast<std::uint64_t>(us))] += 1;
  count_ += 1;
  sum_ += d;
}

std::uint64_t LatencyHistogram::count_at_most(Duration d) const {
  const std::int64_t us = d.ns / 1000;
  std::uint64_t n = 0;
  for (std::size_t b = 0; b < kBuckets && static_cast<std::int64_t>(upper_bound_of(b)) <= us; ++b)
    n += counts_[b];
  return n;
}

Duration LatencyHistogram::quantile(double q) const {
  if (count_ == 0) return Duration{};
  const auto rank =
      std::max<std::uint64_t>(1, static_cast<std::uint64_t>(std::ceil(q * static_cast<double>(count_))));
  std::uint64_t seen = 0;
  for (std::size_t b = 0; b < kBuckets; ++b) {
    seen += counts_[b];
    if (seen >= rank) return microseconds(static_cast<std::int64_t>(upper_bound_of(b)));
  }
  return microseconds(static_cast<std::int64_t>(upper_bound_of(kBuckets - 1)));
}

}  // namespace hyphae::messaging
