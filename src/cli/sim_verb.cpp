#include <fmt/format.h>

#include "cli/verbs.hpp"

namespace hyphae::cli {

void add_sim_options(CLI::App* sim, SimCliOptions& opts) {
  sim->add_option("--scenario", opts.scenario, "Scenario name or JSON/TOML file")->capture_default_str();
  sim->add_option("--nodes", opts.nodes, "Number of nodes (default: the scenario's)");
  sim->add_option("--seed", opts.seed, "Seed; the same seed replays the same run")->capture_default_str();
  sim->add_option("--duration", opts.duration_s, "Virtual seconds to run (default: the scenario's)");
  sim->add_flag("--json", opts.json, "Print the summary as JSON");
}

int run_sim(const SimCliOptions&) {
  fmt::print(stderr, "hyphae: the simulator is not built into this binary yet\n");
  return 1;
}

}  // namespace hyphae::cli
