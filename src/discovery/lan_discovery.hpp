// LAN discovery core (docs/discovery.md §2): sends a signed beacon every
// `interval` (jittered) and learns peers from the beacons it hears.
//
// Sans-IO: inputs are on_beacon and on_tick; outputs are poll_beacon (a payload
// the runtime sends to every broadcast/multicast destination it has) and
// poll_event. Contract, as for every core: after ANY input drain poll_beacon()
// and poll_event(), then re-read poll_deadline() and call on_tick at or after
// it. `now` must never decrease (asserted).
//
// What a beacon earns: a Discovered event naming the key's NodeId and the
// address to dial (source IP + advertised mesh port). Nothing more; the node
// must complete a Noise handshake before it trusts the key or the address.
//
// Memory is bounded whatever the network sends: at most peers_max peers (the
// least recently heard is expired to make room), rate_limit.sources_max
// source addresses, and 2 * peers_max queued events (oldest dropped, counted).
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <deque>
#include <map>
#include <optional>
#include <set>
#include <utility>
#include <variant>
#include <vector>

#include "base/bytes.hpp"
#include "base/endpoint.hpp"
#include "base/rng.hpp"
#include "base/time.hpp"
#include "crypto/identity.hpp"
#include "discovery/beacon.hpp"
#include "discovery/rate_limiter.hpp"

namespace hyphae::discovery {

struct LanDiscoveryConfig {
  std::uint16_t mesh_port = 0;     // ours, advertised in every beacon; must be set
  Duration interval = seconds(5);  // DESIGN.md §2; each period is drawn from [0.9, 1.1) of it
  Duration expiry = seconds(60);   // a peer not heard for this long is expired
  RateLimitConfig rate_limit{};    // per source IP: 1 beacon/s, bursts of 5
  std::size_t peers_max = 4096;
};

struct Discovered {
  crypto::NodeId id;
  Endpoint mesh_address;  // beacon's source IP with its mesh port
  bool is_new = false;    // false: a refresh of a peer we already knew
  bool operator==(const Discovered&) const = default;
};

struct Expired {
  crypto::NodeId id;
  bool operator==(const Expired&) const = default;
};

using DiscoveryEvent = std::variant<Discovered, Expired>;

struct LanPeer {
  crypto::NodeId id;
  Endpoint mesh_address;
  Instant last_heard;
  bool operator==(const LanPeer&) const = default;
};

struct LanDiscoveryCounters {
  std::array<std::uint64_t, kBeaconDropCount> dropped{};
  std::uint64_t received = 0;        // beacons accepted
  std::uint64_t sent = 0;            // beacons queued for poll_beacon
  std::uint64_t evicted = 0;         // peers expired early because the table was full
  std::uint64_t events_dropped = 0;  // events lost because nobody drained them

  std::uint64_t drops(BeaconDrop d) const { return dropped[static_cast<std::size_t>(d)]; }
};

class LanDiscovery {
 public:
  // `boot_id` must differ between process starts (the runtime draws it at
  // random): peers accept a new boot's sequence numbers from the start again.
  // The first beacon is due at `now`.
  LanDiscovery(const LanDiscoveryConfig& config, const crypto::Identity& identity, Rng rng,
               std::uint64_t boot_id, Instant now);

  // Inputs.
  void on_beacon(Instant now, const Endpoint& from, ByteView datagram);
  void on_tick(Instant now);

  // Outputs. poll_beacon holds at most one payload: a newer one replaces an
  // undrained older one, since a beacon only matters while it is fresh.
  std::optional<Bytes> poll_beacon();
  std::optional<DiscoveryEvent> poll_event();
  // Next beacon or next expiry, whichever is first. A query: const, idempotent.
  [[nodiscard]] Instant poll_deadline() const;

  // Getters. known() is sorted by id (deterministic for tests and the API).
  [[nodiscard]] std::vector<LanPeer> known() const;
  [[nodiscard]] std::size_t size() const { return peers_.size(); }
  [[nodiscard]] const LanDiscoveryCounters& counters() const { return counters_; }
  [[nodiscard]] std::uint64_t boot_id() const { return boot_id_; }

 private:
  // Boots of one node that it has since left; their beacons are replays.
  static constexpr std::size_t kRetiredBoots = 4;

  struct Peer {
    Endpoint mesh_address;
    Instant last_heard;
    std::uint64_t boot_id = 0;
    std::uint64_t seq = 0;
    std::array<std::uint64_t, kRetiredBoots> retired{};
    std::size_t retired_count = 0;  // entries of `retired` in use (a ring once full)
  };

  void drop(BeaconDrop why) { counters_.dropped[static_cast<std::size_t>(why)] += 1; }
  // nullopt if the beacon is fresh news for `peer` (and records it), else why not.
  static std::optional<BeaconDrop> check_replay(Peer& peer, const Beacon& b);
  void accept(Instant now, const Endpoint& from, const Beacon& b);
  void remove(std::map<crypto::NodeId, Peer>::iterator it);
  void push(DiscoveryEvent e);
  void schedule_beacon(Instant now);
  void advance(Instant now);

  LanDiscoveryConfig config_;
  crypto::Identity identity_;
  Rng rng_;
  std::uint64_t boot_id_;
  std::uint64_t next_seq_ = 0;
  Instant last_now_;
  Instant next_beacon_at_;
  SourceRateLimiter limiter_;
  std::map<crypto::NodeId, Peer> peers_;
  // (last_heard, id) of every peer: the front expires first.
  std::set<std::pair<Instant, crypto::NodeId>> by_age_;
  std::optional<Bytes> beacon_;
  std::deque<DiscoveryEvent> events_;
  LanDiscoveryCounters counters_;
};

}  // namespace hyphae::discovery
