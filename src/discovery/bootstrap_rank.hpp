// Ranking of bootstrap candidates (seed 000 "optimal bootstrap nodes",
// docs/discovery.md §3). Pure functions over a candidate list.
//
//   score = 0.4 * latency + 0.2 * uptime + 0.3 * health + 0.1 * diversity
//
//   latency   = 1 / (1 + rtt / 100 ms)   (0.25 if the rtt is unknown, as for
//               a 300 ms peer: unknown is not assumed to be good)
//   uptime    = fraction of time up, clamped to [0, 1]
//   health    = health score, clamped to [0, 1]
//   diversity = 1 / (candidates in the list with the same region); 0 if the
//               region is empty (unknown). A node alone in its region scores 1.
//
// Every term is in [0, 1], so the score is too. Non-finite inputs count as 0.
// Ties break by NodeId (smaller first), so the order is deterministic.
#pragma once

#include <cstddef>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "base/endpoint.hpp"
#include "base/time.hpp"
#include "crypto/identity.hpp"

namespace hyphae::discovery {

struct Candidate {
  crypto::NodeId id;
  Endpoint address;
  std::optional<Duration> rtt;
  double uptime = 0.0;  // 0..1
  double health = 0.0;  // 0..1
  std::string region;   // "" if unknown

  bool operator==(const Candidate&) const = default;
};

struct Ranked {
  Candidate candidate;
  double score = 0.0;
};

inline constexpr double kLatencyWeight = 0.4;
inline constexpr double kUptimeWeight = 0.2;
inline constexpr double kHealthWeight = 0.3;
inline constexpr double kDiversityWeight = 0.1;
inline constexpr double kUnknownRttScore = 0.25;
// pick_diverse takes a new region's best over the overall best unless it
// scores more than this much lower (a quarter of the whole score range).
inline constexpr double kDiversityMargin = 0.25;

// 1 / (1 + rtt / 100 ms); kUnknownRttScore without an rtt; negative rtt as 0.
double latency_score(const std::optional<Duration>& rtt);

// All candidates with their scores, best first.
std::vector<Ranked> rank(std::span<const Candidate> candidates);

// Up to k candidates, greedily: at each step take the best remaining
// candidate, unless the best remaining one from a region not yet picked (a
// non-empty region) scores at least its score - kDiversityMargin; then take
// that one instead. So a much worse node never displaces a good one just for
// its region, but among comparable ones the picks spread over regions.
// The result is in pick order.
std::vector<Ranked> pick_diverse(std::span<const Candidate> candidates, std::size_t k);

}  // namespace hyphae::discovery
