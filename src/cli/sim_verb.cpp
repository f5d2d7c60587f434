#include <fmt/format.h>

#include <iostream>

#include "cli/verbs.hpp"
#include "sim/run.hpp"

namespace hyphae::cli {

void add_sim_options(CLI::App* sim, SimCliOptions& opts) {
  sim->add_option("--scenario", opts.scenario,
                  "Scenario name (seven-city, full-mesh, ring, line, grid, random-geometric, small-world, "
                  "churn, partition, membership, membership-lossy, membership-paused, membership-slow) or a "
                  "JSON/TOML scenario file")
      ->capture_default_str();
  sim->add_option("--nodes", opts.nodes, "Number of nodes (default: the scenario's)");
  sim->add_option("--seed", opts.seed, "Seed; the same seed replays the same run bit for bit")
      ->capture_default_str();
  sim->add_option("--duration", opts.duration_s, "Virtual seconds to run (default: the scenario's)");
  sim->add_flag("--json", opts.json, "Print the summary as JSON");
  sim->add_flag("--check-every-event", opts.check_every_event, "Check invariants after every event (slow)");
  sim->add_flag("-q,--quiet", opts.quiet, "No progress lines on stderr");
  sim->add_flag("--no-lifeguard", opts.plain_swim,
                "Membership scenarios: plain SWIM without Lifeguard, for comparison");
}

int run_sim(const SimCliOptions& opts) {
  sim::SimOptions options;
  options.scenario = opts.scenario;
  if (opts.nodes > 0) options.nodes = opts.nodes;
  options.seed = opts.seed;
  if (opts.duration_s > 0) options.duration = nanoseconds(static_cast<std::int64_t>(opts.duration_s * 1e9));
  options.check_every_event = opts.check_every_event;
  options.plain_swim = opts.plain_swim;
  options.progress = !opts.quiet;
  auto summary = sim::run_scenario(options, std::cerr);
  if (!summary) {
    fmt::print(stderr, "hyphae sim: {}\n", summary.error());
    return 2;
  }
  fmt::print("{}\n", opts.json ? summary->to_json_text() : summary->to_text());
  if (!summary->ok) fmt::print(stderr, "{}\n", summary->report);
  return summary->ok ? 0 : 1;
}

}  // namespace hyphae::cli
