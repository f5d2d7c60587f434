// A member's health score (seed 004): 0.4 network + 0.3 uptime + 0.2
// resources + 0.1 trust, each in [0, 1]. docs/health.md defines the inputs;
// this is the formula alone, so it can be tested against the document.
#pragma once

#include <cstdint>
#include <optional>

#include "base/time.hpp"
#include "membership/packet.hpp"

namespace hyphae::membership {

struct HealthInputs {
  std::optional<Duration> rtt;  // smoothed probe round trip; unknown until the first ack
  double loss = 0.0;            // smoothed share of direct probes that got no ack
  double availability = 1.0;    // share of observed time the member was alive or suspect
  std::optional<Resources> resources;
  std::uint64_t good_interactions = 0;  // acks and verified records from it
  std::uint64_t bad_interactions = 0;   // unanswered probes, invalid records claiming it
};

struct HealthScore {
  double network = 0, uptime = 0, resources = 0, trust = 0;
  double total = 0;
};

HealthScore health_score(const HealthInputs& in);

}  // namespace hyphae::membership
