// The one entry point the CLI calls: `hyphae sim --scenario NAME|FILE
// [--nodes N] [--seed S] [--duration D] [--json]` maps onto SimOptions, and
// run_scenario returns the summary (JSON and text) or an error for bad input.
#pragma once

#include <cstdint>
#include <nlohmann/json.hpp>
#include <optional>
#include <ostream>
#include <string>

#include "base/result.hpp"
#include "base/time.hpp"

namespace hyphae::sim {

struct SimOptions {
  std::string scenario;              // a named scenario (scenario_names()) or a path ending in .json
  std::optional<std::size_t> nodes;  // overrides the scenario's node count
  std::uint64_t seed = 1;
  std::optional<Duration> duration;  // overrides the scenario's virtual duration
  bool progress = true;              // progress lines on progress_out for runs longer than ~2 s of wall time
  bool check_every_event = false;    // run invariant checks after every event (slow; for bisecting)
  bool plain_swim = false;           // membership scenarios: turn Lifeguard off, for comparison
};

struct SimSummary {
  // Every field is a pure function of (scenario, options) except "wall_ms" and
  // the "host" object (wall time, peak RSS, rates): drop those two to compare runs.
  nlohmann::ordered_json json;
  bool ok = false;     // no invariant violated and every expectation met
  std::string report;  // violation report and failed expectations; empty when ok

  std::string to_text() const;  // the human-readable summary `hyphae sim` prints without --json
  std::string to_json_text() const { return json.dump(2); }
};

// Runs the scenario to its end or its first invariant violation. Error text
// (exit code 2 material) for an unknown scenario, unreadable file or bad node
// count; a violated invariant is NOT an error: it is a summary with ok=false.
Result<SimSummary, std::string> run_scenario(const SimOptions& options, std::ostream& progress_out);

// The summary without its host-dependent fields, for determinism checks.
nlohmann::ordered_json deterministic_part(const nlohmann::ordered_json& summary);

}  // namespace hyphae::sim
