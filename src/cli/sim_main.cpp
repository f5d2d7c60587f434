// `hyphae-sim`: the `hyphae sim` verb as a program of its own (see CMakeLists).
#include <CLI/CLI.hpp>
#include <cstdio>

#include "cli/verbs.hpp"

namespace {
int run(int argc, char** argv) {
  CLI::App app{"hyphae-sim: run a deterministic Hyphae simulation (same options as `hyphae sim`)."};
  hyphae::cli::SimCliOptions opts;
  hyphae::cli::add_sim_options(&app, opts);
  CLI11_PARSE(app, argc, argv);
  return hyphae::cli::run_sim(opts);
}
}  // namespace

// The process edge: an exception that escapes is a bug or a broken
// environment (e.g. out of memory); say so instead of calling terminate().
int main(int argc, char** argv) {
  try {
    return run(argc, argv);
  } catch (const std::exception& e) {
    (void)std::fprintf(stderr, "%s: fatal: %s\n", "hyphae-sim", e.what());
    return 1;
  }
}
