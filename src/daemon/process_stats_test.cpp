#include "daemon/process_stats.hpp"

#include <gtest/gtest.h>

namespace hyphae::daemon {
namespace {

TEST(ProcessStats, ParsesProcSelfStat) {
  // comm with spaces and a ')' inside; utime 1234, stime 56.
  const char* stat =
      "4242 (my (odd) name) S 1 4242 4242 0 -1 4194560 1000 0 0 0 1234 56 0 0 20 0 3 0 100 1000000 250 "
      "18446744073709551615 1 1 0 0 0 0 0 0 0 0 0 0 17 1 0 0 0 0 0";
  EXPECT_EQ(parse_cpu_ticks(stat), 1290u);
  EXPECT_FALSE(parse_cpu_ticks("garbage"));
  EXPECT_FALSE(parse_cpu_ticks("1 (x) S 1 2"));
}

TEST(ProcessStats, ParsesStatmAndMeminfo) {
  EXPECT_EQ(parse_rss_pages("5000 1200 300 10 0 900 0\n"), 1200u);
  EXPECT_FALSE(parse_rss_pages("5000"));
  EXPECT_EQ(parse_mem_total_kib("MemTotal:        8057200 kB\nMemFree:  1 kB\n"), 8057200u);
  EXPECT_FALSE(parse_mem_total_kib("MemFree: 1 kB\n"));
}

TEST(ProcessStats, SamplesThisProcess) {
  ProcessSampler sampler;
  auto first = sampler.sample(Instant{});
  EXPECT_EQ(first.cpu_percent, 0.0);
  EXPECT_GT(first.memory_percent, 0.0);
  EXPECT_LE(first.memory_percent, 100.0);
  volatile std::uint64_t x = 0;
  for (int i = 0; i < 20'000'000; ++i) x = x + static_cast<std::uint64_t>(i);
  auto second = sampler.sample(Instant{} + seconds(1));
  EXPECT_GE(second.cpu_percent, 0.0);
  EXPECT_LE(second.cpu_percent, 100.0);
}

}  // namespace
}  // namespace hyphae::daemon
