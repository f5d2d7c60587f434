// Prometheus text exposition (format 0.0.4) of a node's counters.
#pragma once

#include <string>

namespace hyphae::daemon {
struct ApiContext;
std::string render_metrics(ApiContext& ctx);
}  // namespace hyphae::daemon
