// This process's load, as membership reports it to other nodes in every ack
// (membership::Resources): CPU share from /proc/self/stat deltas, resident
// memory as a share of MemTotal. Linux only.
#pragma once

#include <cstdint>
#include <optional>
#include <string_view>

#include "base/time.hpp"

namespace hyphae::daemon {

struct ProcessSample {
  double cpu_percent = 0;     // of the whole machine (all cores) since the previous sample
  double memory_percent = 0;  // resident set / MemTotal
};

// Parsers, separate for tests. nullopt on text they do not understand.
std::optional<std::uint64_t> parse_cpu_ticks(std::string_view proc_self_stat);  // utime + stime
std::optional<std::uint64_t> parse_rss_pages(std::string_view proc_self_statm);
std::optional<std::uint64_t> parse_mem_total_kib(std::string_view proc_meminfo);

class ProcessSampler {
 public:
  ProcessSampler();
  // The first call reports 0 % CPU (no interval yet).
  ProcessSample sample(Instant now);

 private:
  std::optional<std::uint64_t> last_ticks_;
  Instant last_at_;
  double ticks_per_second_;
  unsigned cores_;
  std::uint64_t page_size_;
  std::optional<std::uint64_t> mem_total_kib_;
};

}  // namespace hyphae::daemon
