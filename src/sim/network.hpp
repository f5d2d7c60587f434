// The simulated wire between nodes: one link model per directed pair, with
// base latency, jitter, random loss, a bandwidth-limited FIFO queue (so
// congestion shows up as delay, then as tail drops) and an MTU; plus the
// faults a scenario injects: cut, degrade, restore, partition, heal.
//
// The Network decides the fate of one datagram at the moment it is sent and
// returns it as a Verdict; the World turns that into a delivery event. It
// holds no Node and reads no clock: `now` and the Rng come in as arguments.
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "base/rng.hpp"
#include "base/time.hpp"

namespace hyphae::sim {

using NodeIndex = std::uint32_t;

struct LinkParams {
  Duration latency = milliseconds(10);  // one way, before jitter
  Duration jitter{};                    // each datagram waits an extra uniform [0, jitter]
  double loss = 0.0;                    // probability a datagram is lost on the wire
  std::uint64_t bandwidth_bps = 0;      // 0: unlimited (no serialisation delay, no queue)
  std::size_t queue_bytes =
      std::size_t{256} * 1024;  // FIFO bytes waiting to be serialised; tail drop past it
  std::size_t mtu = 1500;       // larger datagrams are dropped (no fragmentation)
  bool reorder = false;         // false: jitter never reorders a directed link (FIFO)

  bool operator==(const LinkParams&) const = default;
};

enum class DropReason : std::uint8_t {
  loss,         // random loss on the link
  mtu,          // larger than the link MTU
  queue_full,   // bandwidth queue overflow (congestion)
  cut,          // link cut by a fault
  partition,    // sender and receiver in different partition groups
  node_down,    // receiver crashed before the datagram arrived
  no_route,     // destination address is not a simulated node
  socket_full,  // receiver paused and its socket buffer overflowed
  count_,
};
std::string_view name(DropReason r);

struct Verdict {
  std::optional<Instant> deliver_at;  // set: delivered then; unset: dropped for `reason`
  DropReason reason = DropReason::loss;
};

class Network {
 public:
  // The model of an untouched directed link; topologies provide it.
  using BaseModel = std::function<LinkParams(NodeIndex from, NodeIndex to)>;

  Network(std::size_t nodes, BaseModel base);

  // Decides one datagram's fate. Draws from `rng` in a fixed pattern.
  Verdict route(Instant now, NodeIndex from, NodeIndex to, std::size_t size, Rng& rng);

  // Faults. Each applies to both directions of the pair.
  void cut(NodeIndex a, NodeIndex b);
  void degrade(NodeIndex a, NodeIndex b, const LinkParams& params);
  void restore(NodeIndex a, NodeIndex b);  // undoes cut and degrade
  // Each listed group becomes its own island; unlisted nodes form one more.
  void partition(const std::vector<std::vector<NodeIndex>>& groups);
  void heal();

  // The parameters in force for from -> to (base or degraded).
  LinkParams params(NodeIndex from, NodeIndex to) const;
  bool is_cut(NodeIndex a, NodeIndex b) const;
  bool same_side(NodeIndex a, NodeIndex b) const { return group_[a] == group_[b]; }
  bool reachable(NodeIndex a, NodeIndex b) const { return same_side(a, b) && !is_cut(a, b); }
  bool partitioned() const { return partitioned_; }
  std::size_t size() const { return group_.size(); }

 private:
  struct EdgeState {
    Instant busy_until;    // the serialiser is busy until then
    Instant last_arrival;  // FIFO: nothing arrives before the previous datagram
  };
  static std::uint64_t key(NodeIndex from, NodeIndex to) { return (std::uint64_t{from} << 32) | to; }

  BaseModel base_;
  std::unordered_map<std::uint64_t, EdgeState> edges_;      // created on first use
  std::unordered_map<std::uint64_t, LinkParams> degraded_;  // both directions stored
  std::unordered_map<std::uint64_t, bool> cut_;             // both directions stored
  std::vector<std::uint32_t> group_;
  bool partitioned_ = false;
};

}  // namespace hyphae::sim
