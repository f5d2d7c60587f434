#include "daemon/process_stats.hpp"

#include <unistd.h>

#include <algorithm>
#include <charconv>
#include <fstream>
#include <sstream>
#include <string>

namespace hyphae::daemon {
namespace {

std::string read_all(const char* path) {
  std::ifstream in(path);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

std::optional<std::uint64_t> number(std::string_view text) {
  std::uint64_t v = 0;
  auto [p, ec] = std::from_chars(text.data(), text.data() + text.size(), v);
  if (ec != std::errc{} || p == text.data()) return std::nullopt;
  return v;
}

// The n-th space-separated field of `text` (0-based).
std::string_view field(std::string_view text, std::size_t n) {
  std::size_t i = 0;
  while (true) {
    while (!text.empty() && text.front() == ' ') text.remove_prefix(1);
    if (text.empty()) return {};
    const auto end = std::min(text.find(' '), text.size());
    if (i == n) return text.substr(0, end);
    text.remove_prefix(end);
    ++i;
  }
}

}  // namespace

std::optional<std::uint64_t> parse_cpu_ticks(std::string_view stat) {
  // "pid (comm) state ppid ...": comm may hold spaces and ')'; fields count
  // from the last ')'. utime and stime are fields 14 and 15 (1-based), so
  // the 12th and 13th after the comm.
  const auto close = stat.rfind(')');
  if (close == std::string_view::npos) return std::nullopt;
  const std::string_view rest = stat.substr(close + 1);
  auto utime = number(field(rest, 11));
  auto stime = number(field(rest, 12));
  if (!utime || !stime) return std::nullopt;
  return *utime + *stime;
}

std::optional<std::uint64_t> parse_rss_pages(std::string_view statm) { return number(field(statm, 1)); }

std::optional<std::uint64_t> parse_mem_total_kib(std::string_view meminfo) {
  constexpr std::string_view kKey = "MemTotal:";
  const auto at = meminfo.find(kKey);
  if (at == std::string_view::npos) return std::nullopt;
  std::string_view rest = meminfo.substr(at + kKey.size());
  rest = rest.substr(0, rest.find('\n'));
  return number(field(rest, 0));
}

ProcessSampler::ProcessSampler()
    : ticks_per_second_(static_cast<double>(std::max(1L, ::sysconf(_SC_CLK_TCK)))),
      cores_(static_cast<unsigned>(std::max(1L, ::sysconf(_SC_NPROCESSORS_ONLN)))),
      page_size_(static_cast<std::uint64_t>(std::max(1L, ::sysconf(_SC_PAGESIZE)))),
      mem_total_kib_(parse_mem_total_kib(read_all("/proc/meminfo"))) {}

ProcessSample ProcessSampler::sample(Instant now) {
  ProcessSample out;
  const auto ticks = parse_cpu_ticks(read_all("/proc/self/stat"));
  if (ticks && last_ticks_ && now > last_at_ && *ticks >= *last_ticks_) {
    const double busy_s = static_cast<double>(*ticks - *last_ticks_) / ticks_per_second_;
    out.cpu_percent = std::clamp(100.0 * busy_s / ((now - last_at_).seconds() * cores_), 0.0, 100.0);
  }
  if (ticks) {
    last_ticks_ = ticks;
    last_at_ = now;
  }
  const auto rss = parse_rss_pages(read_all("/proc/self/statm"));
  if (rss && mem_total_kib_ && *mem_total_kib_ > 0) {
    const double rss_kib = static_cast<double>(*rss * page_size_) / 1024.0;
    out.memory_percent = std::clamp(100.0 * rss_kib / static_cast<double>(*mem_total_kib_), 0.0, 100.0);
  }
  return out;
}

}  // namespace hyphae::daemon
