// `hyphae logs`: reads the daemon's log file (data_dir/hyphae.log, JSON
// lines), filtered by level, and with --follow keeps printing new lines,
// across rotations, until interrupted.
#pragma once

#include <cstddef>
#include <string>

#include "cli/verbs.hpp"

namespace hyphae::cli {

struct LogsOptions {
  std::string config;       // read data_dir from this config file (works with the daemon down)
  std::string file;         // or this log file; else ask the daemon's API where its log is
  std::string level;        // only this level and above
  std::size_t lines = 200;  // the last N lines first (0: none, only new ones with --follow)
  bool follow = false;
  bool json = false;
};

int logs(const ApiOptions& api, const LogsOptions& opts);

}  // namespace hyphae::cli
