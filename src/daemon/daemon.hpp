// `hyphae daemon`: one mesh node with its admin API, until SIGINT or SIGTERM.
#pragma once

#include "daemon/config.hpp"

namespace hyphae::daemon {

// Returns the process exit status: 0 after a clean stop, 1 when start-up fails
// (the reason is logged).
int run_daemon(const Config& config);

}  // namespace hyphae::daemon
