#include "discovery/bootstrap_rank.hpp"

#include <algorithm>
#include <cmath>
#include <map>
#include <set>

#include "base/assert.hpp"

namespace hyphae::discovery {
namespace {

double unit_interval(double v) { return std::isfinite(v) ? std::clamp(v, 0.0, 1.0) : 0.0; }

bool better(const Ranked& a, const Ranked& b) {
  if (a.score != b.score) return a.score > b.score;
  return a.candidate.id < b.candidate.id;
}

}  // namespace

double latency_score(const std::optional<Duration>& rtt) {
  if (!rtt) return kUnknownRttScore;
  const double ms = std::max(rtt->ms(), 0.0);
  return 1.0 / (1.0 + ms / 100.0);
}

std::vector<Ranked> rank(std::span<const Candidate> candidates) {
  std::map<std::string, std::size_t> per_region;
  for (const auto& c : candidates) per_region[c.region] += 1;

  std::vector<Ranked> out;
  out.reserve(candidates.size());
  for (const auto& c : candidates) {
    const double diversity = c.region.empty() ? 0.0 : 1.0 / static_cast<double>(per_region[c.region]);
    const double score = kLatencyWeight * latency_score(c.rtt) + kUptimeWeight * unit_interval(c.uptime) +
                         kHealthWeight * unit_interval(c.health) + kDiversityWeight * diversity;
    HYPHAE_ASSERT(score >= 0.0 && score <= 1.0 + 1e-9);
    out.push_back({c, score});
  }
  std::ranges::sort(out, better);
  return out;
}

std::vector<Ranked> pick_diverse(std::span<const Candidate> candidates, std::size_t k) {
  std::vector<Ranked> remaining = rank(candidates);  // best first, and stays so
  std::vector<Ranked> picked;
  std::set<std::string> regions;
  while (picked.size() < k && !remaining.empty()) {
    auto choice = remaining.begin();
    auto fresh = std::ranges::find_if(remaining, [&](const Ranked& r) {
      return !r.candidate.region.empty() && !regions.contains(r.candidate.region);
    });
    if (fresh != remaining.end() && fresh->score >= choice->score - kDiversityMargin) choice = fresh;
    regions.insert(choice->candidate.region);
    picked.push_back(std::move(*choice));
    remaining.erase(choice);
  }
  HYPHAE_ASSERT(picked.size() == std::min(k, candidates.size()));
  return picked;
}

}  // namespace hyphae::discovery
