// `hyphae-sim`: the `hyphae sim` verb as a program of its own (see CMakeLists).
#include <CLI/CLI.hpp>

#include "cli/verbs.hpp"

int main(int argc, char** argv) {
  CLI::App app{"hyphae-sim: run a deterministic Hyphae simulation (same options as `hyphae sim`)."};
  hyphae::cli::SimCliOptions opts;
  hyphae::cli::add_sim_options(&app, opts);
  CLI11_PARSE(app, argc, argv);
  return hyphae::cli::run_sim(opts);
}
