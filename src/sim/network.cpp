#include "sim/network.hpp"

#include <algorithm>

#include "base/assert.hpp"

namespace hyphae::sim {
namespace {
__extension__ using u128 = unsigned __int128;  // exact bandwidth arithmetic without overflow
}  // namespace

std::string_view name(DropReason r) {
  switch (r) {
    case DropReason::loss:
      return "loss";
    case DropReason::mtu:
      return "mtu";
    case DropReason::queue_full:
      return "queue_full";
    case DropReason::cut:
      return "cut";
    case DropReason::partition:
      return "partition";
    case DropReason::node_down:
      return "node_down";
    case DropReason::no_route:
      return "no_route";
    case DropReason::socket_full:
      return "socket_full";
    case DropReason::count_:
      break;
  }
  return "?";
}

Network::Network(std::size_t nodes, BaseModel base) : base_(std::move(base)), group_(nodes, 0) {
  HYPHAE_ASSERT(base_ != nullptr);
}

LinkParams Network::params(NodeIndex from, NodeIndex to) const {
  if (auto it = degraded_.find(key(from, to)); it != degraded_.end()) return it->second;
  return base_(from, to);
}

bool Network::is_cut(NodeIndex a, NodeIndex b) const { return cut_.contains(key(a, b)); }

Verdict Network::route(Instant now, NodeIndex from, NodeIndex to, std::size_t size, Rng& rng) {
  HYPHAE_ASSERT(from < group_.size() && to < group_.size());
  // Two draws for every datagram, whatever its fate, so one fault does not
  // shift the random stream of every later datagram.
  const double loss_draw = rng.unit();
  const double jitter_draw = rng.unit();

  if (group_[from] != group_[to]) return {std::nullopt, DropReason::partition};
  if (is_cut(from, to)) return {std::nullopt, DropReason::cut};
  const LinkParams p = params(from, to);
  if (size > p.mtu) return {std::nullopt, DropReason::mtu};

  EdgeState& edge = edges_[key(from, to)];
  Instant sent = now;
  if (p.bandwidth_bps > 0) {
    const Instant start = std::max(now, edge.busy_until);
    // Bytes still waiting in the queue ahead of this datagram.
    const auto backlog_ns = static_cast<u128>((start - now).ns);
    const auto backlog_bytes = static_cast<std::uint64_t>(backlog_ns * p.bandwidth_bps / 8 / 1'000'000'000);
    if (backlog_bytes + size > p.queue_bytes) return {std::nullopt, DropReason::queue_full};
    const auto tx_ns =
        static_cast<std::int64_t>(static_cast<u128>(size) * 8 * 1'000'000'000 / p.bandwidth_bps);
    edge.busy_until = start + nanoseconds(tx_ns);
    sent = edge.busy_until;
  }
  // Lost on the wire after it used its share of the bandwidth.
  if (loss_draw < p.loss) return {std::nullopt, DropReason::loss};

  const auto extra = static_cast<std::int64_t>(jitter_draw * static_cast<double>(p.jitter.ns));
  Instant arrival = sent + p.latency + nanoseconds(extra);
  if (!p.reorder) arrival = std::max(arrival, edge.last_arrival);
  edge.last_arrival = std::max(edge.last_arrival, arrival);
  return {arrival, DropReason::loss};
}

void Network::cut(NodeIndex a, NodeIndex b) {
  cut_[key(a, b)] = true;
  cut_[key(b, a)] = true;
}

void Network::degrade(NodeIndex a, NodeIndex b, const LinkParams& params) {
  degraded_[key(a, b)] = params;
  degraded_[key(b, a)] = params;
}

void Network::restore(NodeIndex a, NodeIndex b) {
  cut_.erase(key(a, b));
  cut_.erase(key(b, a));
  degraded_.erase(key(a, b));
  degraded_.erase(key(b, a));
}

void Network::partition(const std::vector<std::vector<NodeIndex>>& groups) {
  std::fill(group_.begin(), group_.end(), 0);
  std::uint32_t g = 0;
  for (const auto& group : groups) {
    ++g;
    for (NodeIndex n : group) {
      HYPHAE_ASSERT(n < group_.size());
      group_[n] = g;
    }
  }
  partitioned_ = true;
}

void Network::heal() {
  std::fill(group_.begin(), group_.end(), 0);
  partitioned_ = false;
}

}  // namespace hyphae::sim
