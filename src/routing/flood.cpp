#include "routing/flood.hpp"

#include <algorithm>

#include "base/assert.hpp"

namespace hyphae::routing {

FloodCache::FloodCache(FloodConfig config) : config_(config) { HYPHAE_ASSERT(config_.capacity > 0); }

void FloodCache::expire(Instant now) {
  while (!order_.empty() && now - order_.front().first >= config_.expiry) {
    seen_.erase(order_.front().second);
    order_.pop_front();
  }
}

bool FloodCache::contains(Instant now, const FloodKey& key) const {
  auto it = seen_.find(key);
  return it != seen_.end() && now - it->second < config_.expiry;
}

bool FloodCache::first_seen(Instant now, const FloodKey& key) {
  expire(now);
  if (seen_.contains(key)) return false;
  if (seen_.size() >= config_.capacity) {
    seen_.erase(order_.front().second);  // full: forget the oldest
    order_.pop_front();
  }
  seen_.emplace(key, now);
  order_.emplace_back(now, key);
  HYPHAE_ASSERT(seen_.size() == order_.size() && seen_.size() <= config_.capacity);
  return true;
}

std::optional<Instant> FloodCache::next_expiry() const {
  if (order_.empty()) return std::nullopt;
  return order_.front().first + config_.expiry;
}

std::vector<NeighbourId> forward_targets(std::span<const NeighbourId> neighbours,
                                         const std::optional<NeighbourId>& from) {
  std::vector<NeighbourId> out;
  out.reserve(neighbours.size());
  for (const auto& n : neighbours) {
    if (!from || n != *from) out.push_back(n);
  }
  return out;
}

FloodDecision on_flood(FloodCache& cache, Instant now, const FloodKey& key, std::uint8_t ttl,
                       const std::optional<NeighbourId>& from, std::span<const NeighbourId> neighbours) {
  FloodDecision d;
  if (!cache.first_seen(now, key)) return d;
  d.deliver = true;
  ttl = std::min(ttl, cache.config().max_ttl);
  // Received: one hop was used getting here. Originated: the whole TTL is ours.
  const std::uint8_t left = from ? static_cast<std::uint8_t>(ttl > 0 ? ttl - 1 : 0) : ttl;
  if (left == 0) return d;
  d.ttl = left;
  d.forward_to = forward_targets(neighbours, from);
  if (d.forward_to.empty()) d.ttl.reset();
  return d;
}

}  // namespace hyphae::routing
