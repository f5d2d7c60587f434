// The simulator's view of routing (issue 6): when every node routes to every
// node it can reach, whether following next hops ever loops, and how much
// routing traffic the nodes send. Checked every Scenario::check_interval.
#include <fmt/format.h>

#include <algorithm>
#include <deque>
#include <map>

#include "sim/world.hpp"

namespace hyphae::sim {
namespace {

constexpr std::size_t kLoopSamples = 16;  // destinations whose forwarding graph each check walks

}  // namespace

std::uint64_t World::routing_bytes_out() const {
  std::uint64_t total = 0;
  for (const auto& s : slots_) {
    total += s.routing_bytes_before;
    if (s.node && s.node->router()) total += s.node->router()->counters().bytes_out;
  }
  return total;
}

bool World::every_node_routes_to_its_component() const {
  // Components of live, unpaused nodes over topology edges that carry traffic.
  const std::size_t n = slots_.size();
  std::vector<std::size_t> component(n, kNoNode);
  std::vector<std::size_t> sizes;
  for (NodeIndex start = 0; start < n; ++start) {
    if (component[start] != kNoNode || !is_up(start) || slots_[start].paused) continue;
    const std::size_t c = sizes.size();
    sizes.push_back(0);
    std::deque<NodeIndex> todo{start};
    component[start] = c;
    while (!todo.empty()) {
      const NodeIndex a = todo.front();
      todo.pop_front();
      ++sizes[c];
      for (NodeIndex b : adjacency_[a]) {
        if (component[b] != kNoNode || !is_up(b) || slots_[b].paused || !net_.reachable(a, b)) continue;
        component[b] = c;
        todo.push_back(b);
      }
    }
  }
  std::map<routing::Prefix, NodeIndex> owner;
  for (NodeIndex b = 0; b < n; ++b) owner.emplace(routing::mesh_prefix_of(id(b)), b);
  for (NodeIndex a = 0; a < n; ++a) {
    if (component[a] == kNoNode) continue;
    std::size_t reachable = 0;
    for (const auto& r : slots_[a].node->routes()) {
      if (!r.selected || r.metric == routing::kInfinity) continue;
      // Count only destinations that are live members of a's component.
      auto b = owner.find(r.destination);
      if (b == owner.end() || b->second == a || component[b->second] != component[a]) continue;
      // A route through a crashed or cut-off neighbour is stale, not a route.
      const auto hop = index_of(routing::node_id_of(r.next_hop));
      if (hop && component[*hop] == component[a] && net_.reachable(a, *hop)) ++reachable;
    }
    if (reachable + 1 < sizes[component[a]]) return false;
  }
  return true;
}

std::optional<Violation> World::find_routing_loop() {
  // Each sampled destination's forwarding graph (every node's next hop
  // towards it) must be a forest: walking next hops never revisits a node.
  const std::size_t n = slots_.size();
  for (std::size_t k = 0; k < std::min(kLoopSamples, n); ++k) {
    const auto dst = static_cast<NodeIndex>((loop_checks_ * kLoopSamples + k) % n);
    std::vector<std::optional<NodeIndex>> next(n);
    for (NodeIndex a = 0; a < n; ++a) {
      if (a == dst || !is_up(a)) continue;
      if (auto hop = slots_[a].node->router()->next_hop(crypto::ula_of(id(dst)))) {
        next[a] = index_of(routing::node_id_of(*hop));
      }
    }
    // 0 unvisited, 1 on the current walk, 2 known to end without a loop.
    std::vector<std::uint8_t> mark(n, 0);
    for (NodeIndex start = 0; start < n; ++start) {
      std::vector<NodeIndex> walk;
      NodeIndex a = start;
      while (mark[a] == 0) {
        mark[a] = 1;
        walk.push_back(a);
        if (!next[a]) break;
        a = *next[a];
      }
      if (mark[a] == 1 && next[a] && std::find(walk.begin(), walk.end(), a) != walk.end() && a != dst) {
        return Violation{"routing_loop", a,
                         fmt::format("forwarding towards n{} loops through n{} ({} nodes in the walk)", dst,
                                     a, walk.size())};
      }
      for (NodeIndex w : walk) mark[w] = 2;
    }
  }
  ++loop_checks_;
  return std::nullopt;
}

void World::check_routing() {
  if (!config_.routing) return;
  if (auto v = find_routing_loop()) return fail_invariant(std::move(*v));
  if (!routes_converged_at_ && every_node_routes_to_its_component()) routes_converged_at_ = now_;
  if (!routes_reconverged_at_ && !faults_.empty() && now_ >= last_fault_at_ &&
      every_node_routes_to_its_component()) {
    routes_reconverged_at_ = now_;
  }
  // Peak routing packets per second at any node, before and from the first fault.
  routing_packets_seen_.resize(slots_.size(), 0);
  const bool after = !faults_.empty() && now_ >= Instant{} + faults_.front().at;
  for (NodeIndex a = 0; a < slots_.size(); ++a) {
    if (!is_up(a)) continue;
    const std::uint64_t sent = slots_[a].node->router()->counters().packets_out;
    const std::uint64_t before = std::min(sent, routing_packets_seen_[a]);
    const double rate = static_cast<double>(sent - before) / scenario_.check_interval.seconds();
    peak_routing_rate_[after ? 1 : 0] = std::max(peak_routing_rate_[after ? 1 : 0], rate);
    routing_packets_seen_[a] = sent;
  }
}

}  // namespace hyphae::sim
