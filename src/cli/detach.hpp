// `hyphae start --detach`: the daemon in the background, started the way an
// init script expects: the command returns once the node's API answers
// (exit 0) or the daemon has failed (exit 1, with its last output).
#pragma once

#include <optional>

#include "daemon/config.hpp"

namespace hyphae::cli {

// Forks the daemon off (setsid, double fork; stdout and stderr go to
// data_dir/daemon.out). Returns nullopt in the daemon process, which goes on
// to run the daemon; in the calling process returns its exit status.
std::optional<int> detach(const daemon::Config& config, bool as_json);

}  // namespace hyphae::cli
