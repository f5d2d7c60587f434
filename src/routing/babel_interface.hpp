// Babel interface mode (docs/routing.md, "Interface mode"): plain RFC 8966
// Babel on UDP 6696 towards babeld and bird2, as a sans-IO core.
//
// What it adds to Router: the packet header (magic 42, version 2, body
// length; a trailer is ignored), multicast Hellos with a seqno and IHUs per
// neighbour, neighbour discovery by IPv6 link-local source address and
// reachability from the Hello history (RFC 8966 Appendix A.2.1, babeld's
// "2 out of 3" for wired links), and the link cost that follows from it. The
// routes themselves are the Router's: a neighbour enters the Router once the
// link works both ways (we hear its Hellos and it reports hearing ours in an
// IHU) and leaves it at once when either direction fails, so its routes are
// dropped as on a confirmed loss.
//
// Neighbour identity inside the Router: a NeighbourId holds the interface
// index (4 bytes, big-endian) and the neighbour's link-local address (16
// bytes), as types.hpp foresaw. Updates go out without Next Hop TLVs: for
// IPv6 prefixes the receiver then takes our packet's source address (our
// link-local) as the next hop (§4.6.9). IPv4 prefixes would need an IPv4 next
// hop, which this mode does not have, so announce() accepts IPv6 only.
//
// Contract as Router's: after any input drain poll_transmit() and
// poll_event(), then call on_tick() when poll_deadline() passes. Bad bytes
// are dropped and counted, never trusted.
#pragma once

#include <cstdint>
#include <deque>
#include <map>
#include <optional>
#include <utility>
#include <vector>

#include "base/bytes.hpp"
#include "base/rng.hpp"
#include "base/time.hpp"
#include "routing/routing.hpp"
#include "routing/tlv.hpp"
#include "routing/types.hpp"

namespace hyphae::routing {

struct BabelInterfaceConfig {
  // babeld's default on wired links, for add_interface() without one; the
  // Hello interval also paces IHUs (one per neighbour in every Hello packet).
  Duration hello_interval = seconds(4);
  // What a neighbour we hear well costs (babeld's wired default, "rxcost 96").
  std::uint16_t rxcost = 96;
  // More neighbours on one link are ignored (counted): a flood of forged
  // link-local sources must not grow memory without bound.
  std::size_t max_neighbours = 256;
  RouterConfig router;
};

// A datagram for UDP 6696 on interface `ifindex`: to `to` (a neighbour's
// link-local address) or, when unset, to ff02::1:6.
struct BabelTransmit {
  std::uint32_t ifindex = 0;
  std::optional<Address> to;
  Bytes datagram;
};

struct BabelCounters {
  std::uint64_t datagrams_in = 0, datagrams_out = 0;
  std::uint64_t bad_packet = 0;      // header or body framing wrong (CodecError): dropped whole
  std::uint64_t not_link_local = 0;  // source not in fe80::/10 (RFC 8966 §4: must be link-local)
  std::uint64_t unknown_interface = 0;
  std::uint64_t neighbours_full = 0;
  std::uint64_t hellos_in = 0, ihus_in = 0, unicast_hellos_ignored = 0;
  std::uint64_t hellos_missed = 0;
  std::uint64_t from_unusable_neighbour = 0;  // routing TLVs from a neighbour not (yet) both ways
};

struct BabelNeighbourView {
  std::uint32_t ifindex = 0;
  Address address{};
  std::uint16_t reach = 0;  // Hello history, newest in the top bit
  std::uint16_t rxcost = kInfinity;
  std::uint16_t txcost = kInfinity;  // what the neighbour reported in its last IHU
  std::uint16_t cost = kInfinity;    // handed to the Router
};

NeighbourId babel_neighbour_id(std::uint32_t ifindex, const Address& link_local);
std::pair<std::uint32_t, Address> split_babel_neighbour(const NeighbourId& n);
bool is_link_local(const Address& a);

class BabelInterface {
 public:
  BabelInterface(const BabelInterfaceConfig& config, RouterId self, Rng rng, Instant now);

  // An interface to speak on, with our link-local address there (IHUs
  // addressed to it are ours). The first Hello goes out at once.
  void add_interface(Instant now, std::uint32_t ifindex, const Address& link_local,
                     std::optional<Duration> hello_interval = std::nullopt);
  // A UDP 6696 datagram received on `ifindex` from `from`.
  void on_datagram(Instant now, std::uint32_t ifindex, const Address& from, ByteView datagram);
  void on_tick(Instant now);
  // IPv6 prefixes only (asserted; the caller validates).
  void announce(Instant now, const Prefix& p, std::uint16_t metric = 0);
  void withdraw(Instant now, const Prefix& p);

  std::optional<BabelTransmit> poll_transmit();
  std::optional<RouteEvent> poll_event() { return router_.poll_event(); }
  std::optional<Instant> poll_deadline() const;

  const Router& router() const { return router_; }
  std::vector<RouteView> routes() const { return router_.routes(); }
  std::vector<BabelNeighbourView> neighbours() const;
  const BabelCounters& counters() const { return counters_; }

 private:
  struct Interface {
    Address link_local{};
    Duration hello_interval;
    std::uint16_t hello_seqno = 0;
    Instant next_hello;
  };
  struct Neighbour {
    std::uint16_t reach = 0;
    std::uint16_t expected_seqno = 0;       // of the next Hello
    Duration hello_interval;                // announced; zero: none scheduled
    std::optional<Instant> hello_deadline;  // a Hello not here by then is missed
    std::uint16_t txcost = kInfinity;
    std::optional<Instant> txcost_expires;
    std::optional<std::uint16_t> router_cost;  // in the Router with this cost
  };
  using Key = std::pair<std::uint32_t, Address>;

  void on_hello(Instant now, const Key& key, Neighbour& n, const Hello& h);
  void update_cost(Instant now, const Key& key, Neighbour& n);
  std::uint16_t rxcost(const Neighbour& n) const;
  std::uint16_t cost(Instant now, const Neighbour& n) const;
  void send_hello(Instant now, std::uint32_t ifindex, Interface& ifc);
  void drain_router();

  BabelInterfaceConfig config_;
  Router router_;
  std::map<std::uint32_t, Interface> interfaces_;
  std::map<Key, Neighbour> neighbours_;
  std::deque<BabelTransmit> transmits_;
  BabelCounters counters_;
};

}  // namespace hyphae::routing
