// `hyphae health`: one check, an exit status an orchestrator understands
// (Docker HEALTHCHECK, Kubernetes exec probes, systemd ExecStartPost):
// 0 healthy, 1 unhealthy, 2 the check could not run (usage or config error).
#pragma once

#include <string>

#include "cli/verbs.hpp"

namespace hyphae::cli {

struct HealthOptions {
  std::string tcp;   // HOST:PORT: healthy when a TCP connection opens
  std::string http;  // http://HOST[:PORT]/PATH: healthy on a 2xx or 3xx answer
  std::string node;  // NODE_ID: healthy when the local daemon sees it alive
  std::string timeout = "5s";
  bool json = false;
};

int health(const ApiOptions& api, const HealthOptions& opts);

}  // namespace hyphae::cli
