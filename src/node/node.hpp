// A whole mesh node's protocol state, with no I/O (DESIGN.md §1): sessions
// with neighbours, dialling of configured peers, and reliable delivery of
// typed, prioritised messages to them.
//
// Contract (quinn-style): inputs are on_datagram, on_tick, dial and send.
// After ANY input the driver drains poll_transmit() and poll_event() until
// both are empty (a durable driver drains events first, so what it persists is
// on disk before the acks leave), then re-reads poll_deadline() and arms its
// timer for it (always, even if one is already armed). `now` must never decrease
// (asserted). Bytes from the network never assert or throw: bad ones are
// dropped and counted by reason in counters().
#pragma once

#include <array>
#include <cstdint>
#include <deque>
#include <map>
#include <memory>
#include <optional>
#include <unordered_map>
#include <vector>

#include "base/bytes.hpp"
#include "base/endpoint.hpp"
#include "base/result.hpp"
#include "base/rng.hpp"
#include "base/time.hpp"
#include "crypto/identity.hpp"
#include "crypto/key_source.hpp"
#include "discovery/circuit_breaker.hpp"
#include "link/session.hpp"
#include "membership/membership.hpp"
#include "messaging/dedup_window.hpp"
#include "messaging/messenger.hpp"
#include "node/counters.hpp"
#include "node/events.hpp"
#include "node/outbox.hpp"
#include "routing/flood.hpp"
#include "routing/link_cost.hpp"
#include "routing/routing.hpp"
#include "wire/message_kind.hpp"
#include "wire/tlv.hpp"

namespace hyphae::node {

struct NodeConfig {
  std::uint16_t mesh_port = 9900;
  std::optional<link::NetworkPsk> network_psk;
  Duration keepalive_interval = seconds(5);    // Ping on the current session this often
  Duration session_timeout = seconds(20);      // nothing authentic heard for this long: peer lost
  Duration handshake_timeout = seconds(5);     // a half-open session is forgotten after this
  Duration dial_backoff_initial = seconds(1);  // doubles per failed attempt, with jitter
  Duration dial_backoff_max = seconds(30);
  Duration rekey_after = seconds(120);      // WireGuard's REKEY_AFTER_TIME
  Duration reject_after = seconds(180);     // WireGuard's REJECT_AFTER_TIME
  Duration superseded_grace = seconds(10);  // an old session still decrypts this long
  Duration message_deadline = seconds(30);  // undelivered by then: MessageFailed (send() may override)
  std::size_t half_open_max = 1024;         // responder handshakes in flight
  std::size_t outbox_max = 65536;           // segments in flight, all peers together
  std::size_t dedup_window = 8192;          // remembered segment ids per peer
  // Application messages: priority queues (their bounds are send()'s
  // back-pressure), window of segments in flight per destination, reassembly.
  messaging::MessengerConfig messaging;
  // Membership (SWIM + Lifeguard); nullopt turns it off (static peers only).
  std::optional<membership::MembershipConfig> membership;
  Endpoint advertise;             // where other members reach this node's mesh port
  std::uint64_t incarnation = 0;  // must exceed any earlier run's (the daemon persists it)
  // Connection manager: keep Noise sessions with this many alive members
  // (on top of the static `dial` peers); 0 turns it off.
  std::size_t target_degree = 8;
  discovery::CircuitBreakerConfig neighbour_breaker;
  // Broadcasts (flood.cpp) start with this TTL: the most hops they travel.
  std::uint8_t flood_ttl = 16;
  routing::FloodConfig flood;
  // Multi-hop routing (Babel over the sessions, routing/); nullopt turns it off.
  std::optional<routing::RouterConfig> routing;
  // With routing on, sessions ping this often, and a neighbour not heard from
  // for neighbour_timeout is withdrawn from routing at once (the session
  // itself lives on until session_timeout): a silent link cut reroutes in
  // well under a second.
  Duration routing_hello = milliseconds(150);
  Duration neighbour_timeout = milliseconds(500);
  routing::LinkCostConfig link_cost;
  // Routed frames (for nodes that are not neighbours) start with this hop limit.
  std::uint8_t hop_limit = 32;
};

enum class SendError : std::uint8_t { payload_too_large, queue_full, to_self };
std::string_view name(SendError e);

struct SendOptions {
  std::optional<Duration> deadline;       // from now; default NodeConfig::message_deadline
  std::optional<std::uint64_t> reply_to;  // a RESPONSE names the QUERY it answers
  // A message restored from the driver's durable outbox after a restart keeps
  // the id it was first sent with, so the receiver can tell it is the same one.
  std::optional<std::uint64_t> id;
};

struct PeerInfo {
  crypto::NodeId id;
  Endpoint address;
  std::string_view state;  // "connected" or "connecting"
  std::optional<Duration> srtt;
  std::uint16_t mesh_port = 0;
  Instant connected_since;
};

class Node {
 public:
  // `verifier` checks membership signatures; null: the node uses its own
  // DirectVerifier (the simulator passes one memoising verifier to all nodes).
  Node(const NodeConfig& config, const crypto::Identity& identity, crypto::KeySource& keys, Rng rng,
       Instant now, membership::Verifier* verifier = nullptr);

  // Inputs.
  void on_datagram(Instant now, Endpoint from, ByteView datagram);
  void on_tick(Instant now);
  // Keeps a session with `address` up, redialling with backoff when it fails.
  void dial(Instant now, Endpoint address);
  // Queues a message (up to messaging::kMaxMessageSize bytes) for reliable,
  // end-to-end delivery; the id is reported back in MessageAcked or
  // MessageFailed. A message for a node not reachable yet waits until it is,
  // or until its deadline passes. queue_full: its priority's queue is at its
  // bound (back-pressure; nothing was queued).
  Result<std::uint64_t, SendError> send(Instant now, const crypto::NodeId& to, wire::MessageType type,
                                        wire::Priority priority, ByteView payload,
                                        const SendOptions& options = {});
  // Floods a message to every node of the mesh (each delivers it once, as a
  // MessageReceived with broadcast set). Best effort: no acks, but every
  // node passes it to all its neighbours, so it takes every path there is.
  // At most wire::kMaxFloodPayload bytes.
  Result<std::uint64_t, SendError> broadcast(Instant now, wire::MessageType type, wire::Priority priority,
                                             ByteView payload);
  // The driver delivered message `id` from `from` before a restart (it is in
  // its durable inbox): a copy arriving again is acknowledged, not delivered.
  void remember_delivered(const crypto::NodeId& from, std::uint64_t id) {
    messenger_.remember_delivered(from, id);
  }

  // Joins the membership through these addresses (a table pull; retried until
  // one answers). Without membership, dials them instead.
  void join(Instant now, const std::vector<Endpoint>& seeds);
  // A LAN beacon announced a node: join through it. The beacon is only a
  // hint; its key is trusted once a signed record or a handshake proves it.
  void on_lan_peer(Instant now, const crypto::NodeId& id, Endpoint mesh_address);
  // Our own load, reported to members that probe us.
  void set_resources(const membership::Resources& r);
  // Announces a graceful leave to the membership.
  void leave(Instant now);

  // Leaves the membership and says goodbye (a Close TLV) on every established
  // session, so peers forget this node at once instead of after
  // session_timeout. For a clean shutdown.
  void close_all(Instant now);

  // Outputs. Each first sends what the inputs since the last poll made
  // sendable (see pump_due_), so a burst of send() calls or a datagram full
  // of acks goes out in as few datagrams as fit.
  std::optional<Transmit> poll_transmit();
  std::optional<NodeEvent> poll_event();
  std::optional<Instant> poll_deadline();

  // Queries.
  const crypto::NodeId& id() const { return identity_.id; }
  std::vector<PeerInfo> peers() const;
  const Counters& counters() const { return counters_; }
  // Application messages sent and not yet acknowledged or failed.
  std::size_t outbox_size() const { return messenger_.pending(); }
  const messaging::MessagingStats& messaging_stats() const { return messenger_.stats(); }
  const membership::Membership* membership() const { return membership_.get(); }
  const routing::Router* router() const { return router_.get(); }
  // Whether `id` is a node this one can address: a neighbour, a member, a
  // routing destination, or a node it has sent to before.
  bool knows(const crypto::NodeId& id) const;
  // Every route entry (empty without routing).
  std::vector<routing::RouteView> routes() const;

 private:
  struct Link {
    link::Session session;
    Instant last_ping_sent;
    std::uint64_t ping_id = 0;
    // The last pings sent, by ping_id % size: with routing's 150 ms
    // keepalives a long link has several in flight, and each pong must still
    // find its ping (0: answered or never sent).
    std::array<std::pair<std::uint64_t, Instant>, 8> pings_in_flight{};
    std::optional<Instant> superseded_at;
    bool rekey_started = false;
    double loss = 0;  // EWMA of unanswered keepalive pings
  };
  struct Dial {
    Endpoint address;
    Instant next_attempt;
    Duration backoff;
    std::optional<std::uint32_t> pending_index;
  };
  struct Peer {
    std::uint32_t current_index = 0;
    Instant connected_since;
  };

  void observe(Instant now);
  void arm(Instant when);
  std::uint32_t new_index();

  void on_handshake_init(Instant now, Endpoint from, const wire::HandshakeInit& p);
  void on_handshake_resp(Instant now, Endpoint from, const wire::HandshakeResp& p);
  void on_handshake_finish(Instant now, Endpoint from, const wire::HandshakeFinish& p);
  void on_transport(Instant now, Endpoint from, const wire::Transport& p);
  void on_tlv(Instant now, Link& link, const wire::Tlv& tlv);
  void on_established(Instant now, Link& link);
  void on_message(Instant now, Link& link, const wire::Message& m);
  // Offers a segment from `from` (a neighbour or a routed sender) to the
  // messenger, which delivers each message once; true if it is to be acknowledged.
  bool deliver(Instant now, const crypto::NodeId& from, const wire::Message& m);
  void on_message_ack(Instant now, const wire::MessageAck& a);

  // Routed frames (routed.cpp): sealed end to end, forwarded hop by hop.
  enum class RoutedSend : std::uint8_t { sent, no_route, too_large };
  RoutedSend send_routed(Instant now, const crypto::NodeId& dst, ByteView inner);
  void on_routed(Instant now, const wire::Routed& r);
  void on_routed_key(Instant now, const wire::RoutedKey& k);
  // Broadcasts (flood.cpp).
  void on_flood(Instant now, const crypto::NodeId& from, const wire::Flood& f);
  void send_flood(Instant now, const wire::Flood& f, const std::optional<crypto::NodeId>& except);
  // Passes a Routed or RoutedKey TLV for `dst` one hop on; false if it was dropped.
  bool forward(Instant now, const crypto::NodeId& dst, const wire::Tlv& tlv);
  void send_key(Instant now, const crypto::NodeId& dst, bool want_reply);
  void on_routed_for_us(Instant now, const crypto::NodeId& src, ByteView sealed);
  std::optional<crypto::NodeId> next_hop_to(const crypto::NodeId& dst) const;
  // Routing (routed.cpp): neighbours in and out of the router as their
  // sessions go quiet or speak again, link costs, and the router's output.
  void tick_routing(Instant now);
  void pump_router(Instant now);
  void unroute_neighbour(Instant now, crypto::NodeId id);
  Duration keepalive_interval() const;
  std::optional<crypto::PublicKey> static_key_of(const crypto::NodeId& id);

  std::uint32_t initiate(Instant now, Endpoint address);
  void send_frame(Instant now, Link& link, const Bytes& plaintext);
  void send_ping(Instant now, Link& link);
  void flush_outbox(Instant now, const crypto::NodeId& peer);
  // Moves chunks from the messenger's priority queues into the outbox while
  // their destinations' windows have room, and sends them.
  void pump_messages(Instant now);
  // Runs a pump_messages deferred by send() or an ack (see pump_due_) and
  // sends the acks gathered since the last poll (see acks_).
  void settle();
  // Message `id` cannot be delivered: report it once and cancel its segments.
  void fail_message(std::uint64_t id, std::string_view reason);
  void transmit(Endpoint to, Bytes data);
  void lose_peer(const crypto::NodeId& id, std::string_view reason);
  Link* current_link(const crypto::NodeId& id);

  void tick_sessions(Instant now);
  void tick_dials(Instant now);
  void tick_outbox(Instant now);
  void tick_neighbours(Instant now);
  // Moves the membership core's datagrams and events into ours and re-arms.
  void pump_membership();

  NodeConfig config_;
  const crypto::Identity& identity_;
  link::SessionContext session_ctx_;
  Rng rng_;
  Instant last_now_;
  std::optional<Instant> next_deadline_;
  // send() and acks make room or work for the messenger but do not pump it
  // themselves: the outputs do, once (settle). Pumping per call sent one
  // datagram per message when sends came one per call and acks one per
  // datagram; deferred, they share datagrams (bench/messaging: 64 B messages
  // per sender CPU-second 64 k -> 280-340 k).
  bool pump_due_ = false;

  std::map<std::uint32_t, Link> links_;   // by our local index; ordered for deterministic ticks
  std::map<crypto::NodeId, Peer> peers_;  // connected neighbours
  // Message ids seen per sender, whichever way they came (direct or routed)
  // and across reconnects, so delivery stays exactly-once. Bounded.
  std::map<crypto::NodeId, messaging::DedupWindow> seen_;
  std::unordered_map<crypto::NodeId, crypto::PublicKey> static_keys_;  // cache for sealing; bounded
  // End-to-end RTT to nodes reached through the routing table, from acks of
  // first attempts: their retransmission timer. Bounded like static_keys_.
  std::unordered_map<crypto::NodeId, link::RttEstimator> routed_rtt_;
  std::map<crypto::NodeId, Instant> key_asked_;  // RoutedKey requests in flight
  std::vector<Dial> dials_;
  messaging::Messenger messenger_;
  Outbox outbox_;                  // segments in flight
  std::uint64_t next_message_id_;  // application messages
  std::uint64_t next_segment_id_;  // transport segments
  std::size_t half_open_ = 0;

  std::deque<Transmit> transmits_;
  std::deque<NodeEvent> events_;
  Counters counters_;
  struct Neighbour {
    Endpoint address;
    discovery::CircuitBreaker breaker;
    std::optional<std::uint32_t> pending_index;
  };
  std::unique_ptr<membership::DirectVerifier> own_verifier_;
  std::unique_ptr<membership::Membership> membership_;
  std::map<crypto::NodeId, Neighbour> neighbours_;  // members dialled to reach target_degree
  std::unique_ptr<routing::Router> router_;
  routing::FloodCache floods_;
  std::map<crypto::NodeId, routing::CostSmoother> routed_neighbours_;  // in the router now
  Instant next_neighbour_check_;

  // Where a received transport packet is decrypted to (the datagram itself
  // is read-only). Reused so steady-state receive allocates nothing; a
  // frame's TLVs view into it until the next datagram.
  Bytes rx_scratch_;
  // Acks not sent yet, by the local index of the session they answer on:
  // every message read since the last poll is acknowledged in one frame per
  // session at settle() (or as soon as a frame's worth has gathered), not
  // one frame per datagram received.
  struct PendingAcks {
    Bytes frame;
    std::size_t count = 0;
  };
  std::map<std::uint32_t, PendingAcks> acks_;
};

}  // namespace hyphae::node
