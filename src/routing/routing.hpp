// Babel (RFC 8966) route selection and propagation for the mesh, as a
// sans-IO core (DESIGN.md §1.1; babeld's route.c, source.c, message.c and
// resend.c are the model).
//
// What it keeps: neighbours with a link cost the caller sets; a route table
// with one entry per (destination prefix, neighbour); a source table of
// feasibility distances per (router-id, prefix); our own announced prefixes
// with one sequence number. What it guarantees: a route is selected only if
// it is feasible (§3.5.1), which keeps the forwarding graph loop-free at all
// times; starvation is resolved by seqno requests that travel to the origin,
// which then increases its seqno (§3.8).
//
// Contract (quinn's polling order): after ANY input (add_neighbour,
// remove_neighbour, set_link_cost, on_packet, on_tick, announce, withdraw),
// drain poll_transmit() and poll_event(), then re-read poll_deadline() and
// call on_tick() when it passes. `now` never decreases (asserted). Triggered
// updates and requests go out within the same input call, so a confirmed
// neighbour loss (remove_neighbour) switches to a feasible alternate at once
// and tells the neighbours immediately. Queues are bounded by config.
//
// Neighbours: the caller adds one when a session to it is up and removes it
// when the link layer declares it lost; there are no Hellos/IHUs in the mesh
// (the link layer measures RTT and loss; link_cost.hpp turns them into the
// cost). Packets from a neighbour that was not added are dropped and counted.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <deque>
#include <map>
#include <optional>
#include <set>
#include <string_view>
#include <unordered_map>
#include <utility>
#include <vector>

#include "base/bytes.hpp"
#include "base/rng.hpp"
#include "base/time.hpp"
#include "routing/tlv.hpp"
#include "routing/types.hpp"

namespace hyphae::routing {

struct RouterConfig {
  // Periodic full update to every neighbour (jittered down by up to 1/8).
  // Triggered updates carry every change at once; these only repair losses.
  Duration update_interval = seconds(4);
  // A route expires 3.5 advertised intervals after its last update (RFC 8966
  // Appendix B), never sooner than this.
  Duration min_route_expiry = seconds(2);
  // Hold-down: a retracted or expired route stays in the table, unselected,
  // this long; a destination we lost is advertised as retracted this long.
  Duration hold_down = seconds(4);
  // Forget a feasibility distance unused this long (babeld SOURCE_GC_TIME).
  Duration source_gc = seconds(200);
  // Urgent updates (retractions, router-id switches) are sent at once, then
  // this many more times this far apart: a lost datagram must not leave a
  // black hole until the next periodic update.
  int urgent_resends = 2;
  Duration urgent_resend_interval = milliseconds(200);
  // Seqno requests: hop count, resends of our own, and how long one is
  // remembered (to dedup forwarded copies and to answer its requesters).
  std::uint8_t request_hop_count = 64;
  int request_resends = 3;
  Duration request_resend_interval = milliseconds(250);
  Duration request_timeout = seconds(2);
  Duration request_dedup = milliseconds(500);  // babeld: min(hello interval, 1 s)
  // Hysteresis (babeld's strong ordering): switch from a working route only to
  // one whose metric is no worse and whose smoothed metric is better by more
  // than switch_margin. Smoothing half-life as babeld's default (4 s).
  std::uint16_t switch_margin = 64;
  Duration smoothing_half_life = seconds(4);
  // A neighbour's wildcard route request is answered with a full dump at most
  // this often (booting many nodes at once must not storm).
  Duration full_dump_min_interval = milliseconds(500);
  // Largest body handed to poll_transmit (it travels in one wire::Routing TLV).
  std::size_t max_body = 1200;
  std::size_t max_routes = 1 << 17;
  std::size_t max_requests = 4096;
  std::size_t max_events = 4096;
  // A request whose seqno is this far ahead is hopeless (babeld: 100).
  std::uint16_t seqno_window = 100;
};

// One route entry: the JSON of GET /api/mesh/routes uses these names.
struct RouteView {
  Prefix destination;
  NeighbourId next_hop;
  std::uint16_t metric = kInfinity;  // advertised metric + link cost
  std::uint16_t seqno = 0;
  RouterId router_id;  // the originator
  std::uint16_t advertised_metric = kInfinity;
  bool feasible = false;
  bool selected = false;
};

struct RouteEvent {
  // selected: a destination got a (new) next hop or metric; retracted: it has
  // no route any more (next_hop is empty).
  enum class Kind : std::uint8_t { selected, retracted };
  Kind kind = Kind::selected;
  Prefix destination;
  std::optional<NeighbourId> next_hop;
  std::uint16_t metric = kInfinity;
  std::uint16_t seqno = 0;
  RouterId router_id;
};
std::string_view name(RouteEvent::Kind k);  // "selected", "retracted"

struct RouterTransmit {
  std::optional<NeighbourId> to;  // nullopt: every current neighbour
  Bytes body;                     // Babel TLVs (no packet header): a wire::Routing value
};

struct RouterCounters {
  std::uint64_t packets_in = 0, bytes_in = 0, packets_out = 0, bytes_out = 0;
  std::uint64_t updates_out = 0;           // Update TLVs (retractions too) in the bodies sent
  std::uint64_t bad_body = 0;              // framing error: the whole body dropped
  std::uint64_t unknown_neighbour = 0;     // body from a neighbour that was not added
  std::array<std::uint64_t, 4> ignored{};  // per Ignore reason
  std::uint64_t updates_in = 0, retractions_in = 0, unfeasible_in = 0, martians = 0;
  std::uint64_t route_requests_in = 0, seqno_requests_in = 0;
  std::uint64_t seqno_requests_sent = 0, seqno_requests_forwarded = 0;
  std::uint64_t seqno_bumps = 0;
  std::uint64_t switches = 0, losses = 0, expiries = 0;
  std::uint64_t table_full = 0, requests_full = 0, events_dropped = 0;
};

class Router {
 public:
  Router(const RouterConfig& config, RouterId self, Rng rng, Instant now);
  // Movable, not copyable: index_ holds iterators into table_ (a move keeps
  // them valid, a copy would not).
  Router(const Router&) = delete;
  Router& operator=(const Router&) = delete;
  Router(Router&&) = default;
  Router& operator=(Router&&) = default;

  // Inputs. Costs are in [1, kInfinity]; 256 is one good hop.
  void add_neighbour(Instant now, const NeighbourId& n, std::uint16_t cost = 256);
  // Confirmed loss: routes through `n` go at once; each destination switches to
  // a feasible alternate or is retracted (and a seqno request goes out).
  void remove_neighbour(Instant now, const NeighbourId& n);
  void set_link_cost(Instant now, const NeighbourId& n, std::uint16_t cost);
  // A body of Babel TLVs from neighbour `from`.
  void on_packet(Instant now, const NeighbourId& from, ByteView body);
  void on_tick(Instant now);
  // Originate (or stop originating) a prefix; metric 0 is "this is me".
  void announce(Instant now, const Prefix& p, std::uint16_t metric = 0);
  void withdraw(Instant now, const Prefix& p);

  // Outputs.
  std::optional<RouterTransmit> poll_transmit();
  std::optional<RouteEvent> poll_event();
  std::optional<Instant> poll_deadline() const;

  // Queries.
  // Every learned route entry, by destination then neighbour.
  std::vector<RouteView> routes() const;
  // Forwarding: the neighbour to send a packet for `dst` to (longest prefix
  // match over selected routes); nullopt if there is no route or the best
  // match is a prefix we announce ourselves.
  std::optional<NeighbourId> next_hop(const Address& dst) const;
  std::optional<RouteView> selected(const Prefix& p) const;
  // The selected route of every destination that has one, by destination
  // (routes() without the unselected entries, and cheaper).
  std::vector<RouteView> selected_routes() const;
  bool is_local(const Address& dst) const;
  RouterId router_id() const { return self_; }
  std::uint16_t seqno() const { return seqno_; }
  std::vector<NeighbourId> neighbours() const;
  std::optional<std::uint16_t> link_cost(const NeighbourId& n) const;
  const RouterCounters& counters() const { return counters_; }

 private:
  struct Neighbour {
    std::uint16_t cost = 256;
    std::optional<Instant> last_full_dump;
  };
  struct Route {
    NeighbourId neighbour;
    RouterId router_id;
    std::uint16_t seqno = 0;
    std::uint16_t refmetric = kInfinity;  // as advertised by the neighbour
    Instant expires;                      // finite: expiry; retracted: end of hold-down
    Instant refreshed;                    // last finite update
    Duration hold;                        // expiry after a refresh
    bool selected = false;
    bool refresh_requested = false;
    double smoothed = kInfinity;
    Instant smoothed_at;
  };
  // What we last selected for a destination (to decide on triggered updates).
  struct Advert {
    NeighbourId neighbour;
    RouterId router_id;
    std::uint16_t seqno = 0;
    std::uint16_t metric = kInfinity;
  };
  struct Destination {
    std::vector<Route> routes;
    std::optional<Advert> last;
    std::optional<Instant> lost_until;  // advertise a retraction until then
    RouterId lost_router_id;
    std::uint16_t lost_seqno = 0;
  };
  struct Source {
    std::uint16_t seqno = 0;
    std::uint16_t metric = kInfinity;
    Instant used;
  };
  using SourceKey = std::pair<RouterId, Prefix>;
  struct SourceKeyHash {
    std::size_t operator()(const SourceKey& k) const noexcept {
      std::uint64_t id = 0;
      std::memcpy(&id, k.first.bytes.data(), 8);
      return PrefixHash{}(k.second) ^ static_cast<std::size_t>(id * 0x9e3779b97f4a7c15ULL);
    }
  };
  using Table = std::map<Prefix, Destination>;
  struct Request {
    RouterId router_id;
    std::uint16_t seqno = 0;
    std::uint8_t hop_count = 0;
    std::optional<NeighbourId> sent_to;  // nullopt: all neighbours
    std::set<NeighbourId> requesters;    // empty: our own request
    Instant sent;
    Instant expires;
    Instant next_resend;
    int resends_left = 0;
  };
  struct Resend {
    Instant at;
    int left = 0;
  };
  // What the next flush sends: prefixes whose current state goes to all
  // neighbours or to one, full dumps, and requests.
  struct Pending {
    std::set<Prefix> all;
    std::map<NeighbourId, std::set<Prefix>> unicast;
    bool full_all = false;
    std::set<NeighbourId> full_to;
    std::vector<std::pair<std::optional<NeighbourId>, Tlv>> requests;
  };

  void advance(Instant now);
  void flush(Instant now);
  void housekeeping(Instant now);

  // Packet handling.
  void handle_update(Instant now, const NeighbourId& from, const Update& u);
  void handle_route_request(Instant now, const NeighbourId& from, const RouteRequest& r);
  void handle_seqno_request(Instant now, const NeighbourId& from, const SeqnoRequest& r);
  void retract_all_from(Instant now, const NeighbourId& from);
  void note_request_satisfied(Instant now, const Prefix& p, const RouterId& id, std::uint16_t seqno);

  // Route table rules.
  std::uint16_t metric_of(const Route& r) const;
  bool feasible(Instant now, const Prefix& p, const RouterId& id, std::uint16_t seqno,
                std::uint16_t refmetric) const;
  // The feasibility distance recorded for (id, p), or null if none or stale.
  const Source* live_source(Instant now, const Prefix& p, const RouterId& id) const;
  static bool feasible_against(const Source* s, std::uint16_t seqno, std::uint16_t refmetric);
  double smoothed(Instant now, Route& r) const;  // advances the smoothing to now
  void reselect(Instant now, const Prefix& p);
  void reselect(Instant now, const Prefix& p, Destination& d);
  void after_selection(Instant now, const Prefix& p, Destination& d, const Route* sel);
  void maybe_request_unfeasible(Instant now, const NeighbourId& from, const Prefix& p, const RouterId& id,
                                std::uint16_t seqno, std::uint16_t metric);
  void send_seqno_request(Instant now, std::optional<NeighbourId> to, const Prefix& p, const RouterId& id,
                          std::uint16_t seqno, std::uint8_t hop_count, std::optional<NeighbourId> requester,
                          int resends);
  void update_source(Instant now, const Prefix& p, const RouterId& id, std::uint16_t seqno,
                     std::uint16_t metric);
  Destination& destination(const Prefix& p);
  Table::iterator erase_destination(Table::iterator it);
  // table_.find by hash (index_): every received update looks its prefix up.
  Table::iterator find_destination(const Prefix& p);
  Table::const_iterator find_destination(const Prefix& p) const;
  void urgent(Instant now, const Prefix& p);
  void note_timer(Instant t);
  void emit(const RouteEvent& e);

  // Encoding.
  struct Advertised {
    std::optional<RouterId> router_id;  // unknown for a retraction of something we never had
    std::uint16_t seqno = 0;
    std::uint16_t metric = kInfinity;
  };
  std::optional<Advertised> advertisement(Instant now, const Prefix& p);
  void write_bodies(Instant now, std::optional<NeighbourId> to, const std::vector<Prefix>& prefixes,
                    const std::vector<Tlv>& requests);
  std::vector<Prefix> full_dump_prefixes(Instant now) const;

  RouterConfig config_;
  RouterId self_;
  Rng rng_;
  Instant last_now_;
  std::uint16_t seqno_ = 0;

  std::map<NeighbourId, Neighbour> neighbours_;
  std::map<Prefix, std::uint16_t> locals_;  // announced prefix -> metric
  // Destinations, ordered (every iteration: dumps, expiry, neighbour loss),
  // and an index over them for lookups by prefix.
  Table table_;
  std::unordered_map<Prefix, Table::iterator, PrefixHash> index_;
  std::array<std::uint32_t, 129> plen_refs_{};        // destinations per prefix length (next_hop's LPM)
  std::array<std::uint32_t, 129> local_plen_refs_{};  // announced prefixes per prefix length
  std::size_t route_count_ = 0;
  // Feasibility distances: looked up per update, only ever erased in bulk
  // (so no order of them reaches the output).
  std::unordered_map<SourceKey, Source, SourceKeyHash> sources_;
  std::map<Prefix, Request> requests_;
  std::map<Prefix, Resend> resends_;

  Instant next_full_;
  Instant housekeeping_at_;
  Pending pending_;
  std::deque<RouterTransmit> transmits_;
  std::deque<RouteEvent> events_;
  RouterCounters counters_;
};

}  // namespace hyphae::routing
