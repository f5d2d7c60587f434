// hyphae-sim: the simulator on its own, for benchmarks and bisecting seeds
// until (and besides) `hyphae sim` in src/cli. Same options, same output:
//   hyphae-sim --scenario NAME|FILE [--nodes N] [--seed S] [--duration D] [--json] [--quiet]
//   [--check-every-event]
// D is a number with a unit: 500ms, 60s, 2m. Exit 0: ok; 1: invariant or
// expectation failed; 2: bad arguments.
#include <charconv>
#include <cstdio>
#include <iostream>
#include <string>
#include <string_view>

#include "sim/run.hpp"

namespace {

using hyphae::Duration;

std::optional<std::uint64_t> number(std::string_view s) {
  std::uint64_t v = 0;
  auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (ec != std::errc{} || end != s.data() + s.size()) return std::nullopt;
  return v;
}

std::optional<Duration> duration(std::string_view s) {
  for (auto [suffix, ns] : {std::pair<std::string_view, std::int64_t>{"ms", 1'000'000},
                            {"s", 1'000'000'000},
                            {"m", 60'000'000'000}}) {
    if (s.ends_with(suffix)) {
      auto v = number(s.substr(0, s.size() - suffix.size()));
      if (!v) return std::nullopt;
      return hyphae::nanoseconds(static_cast<std::int64_t>(*v) * ns);
    }
  }
  double secs = 0;  // a bare number: seconds, as `hyphae sim --duration` takes them
  auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), secs);
  if (ec != std::errc{} || end != s.data() + s.size() || !(secs > 0)) return std::nullopt;
  return hyphae::nanoseconds(static_cast<std::int64_t>(secs * 1e9));
}

int usage(const std::string& why) {
  std::cerr
      << "hyphae-sim: " << why
      << "\nusage: hyphae-sim --scenario NAME|FILE [--nodes N] [--seed S] [--duration D] [--json] [--quiet] "
         "[--check-every-event]\n";
  return 2;
}

}  // namespace

int main(int argc, char** argv) {
  hyphae::sim::SimOptions o;
  bool json = false;
  for (int i = 1; i < argc; ++i) {
    const std::string_view arg = argv[i];
    auto value = [&]() -> std::optional<std::string_view> {
      if (i + 1 >= argc) return std::nullopt;
      return std::string_view(argv[++i]);
    };
    if (arg == "--scenario") {
      auto v = value();
      if (!v) return usage("--scenario needs a value");
      o.scenario = std::string(*v);
    } else if (arg == "--nodes") {
      auto v = value();
      auto n = v ? number(*v) : std::nullopt;
      if (!n) return usage("--nodes needs a number");
      o.nodes = *n;
    } else if (arg == "--seed") {
      auto v = value();
      auto n = v ? number(*v) : std::nullopt;
      if (!n) return usage("--seed needs a number");
      o.seed = *n;
    } else if (arg == "--duration") {
      auto v = value();
      auto d = v ? duration(*v) : std::nullopt;
      if (!d) return usage("--duration needs a duration such as 60s or 500ms");
      o.duration = *d;
    } else if (arg == "--json") {
      json = true;
    } else if (arg == "--quiet") {
      o.progress = false;
    } else if (arg == "--check-every-event") {
      o.check_every_event = true;
    } else {
      return usage("unknown argument " + std::string(arg));
    }
  }
  if (o.scenario.empty()) return usage("--scenario is required");
  auto result = hyphae::sim::run_scenario(o, std::cerr);
  if (!result) {
    std::cerr << "hyphae-sim: " << result.error() << "\n";
    return 2;
  }
  std::cout << (json ? result->to_json_text() + "\n" : result->to_text());
  if (json && !result->ok) std::cerr << result->report;
  return result->ok ? 0 : 1;
}
