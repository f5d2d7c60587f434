#include "node/node.hpp"

#include <algorithm>
#include <set>
#include <utility>

#include "base/assert.hpp"
#include "wire/packet.hpp"

namespace hyphae::node {
namespace {

// Spread a timer by ±20 % so nodes started together do not stay in lockstep.
Duration jittered(Duration d, Rng& rng) {
  const std::int64_t spread = d.ns / 5;
  if (spread <= 0) return d;
  return Duration{d.ns - spread +
                  static_cast<std::int64_t>(rng.below(static_cast<std::uint64_t>(2 * spread)))};
}

constexpr Duration kRetransmitMax = seconds(8);
// First retransmission of a routed message: no one RTT describes a multi-hop path.
constexpr Duration kRoutedRto = seconds(1);

// SplitMix64's finaliser: a bijection that scatters its input.
constexpr std::uint64_t mix64(std::uint64_t x) {
  x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ULL;
  x = (x ^ (x >> 27)) * 0x94d049bb133111ebULL;
  return x ^ (x >> 31);
}
constexpr std::size_t kMaxRoutedRtt = 4096;  // destinations with an RTT estimate
// A message for a node we have no route or key for yet is tried again this often.
constexpr Duration kRouteRetry = milliseconds(250);
constexpr std::size_t kMaxSenders = 4096;  // dedup windows kept (one per sender)
constexpr double kLossWeight = 0.1;        // of one keepalive outcome in a link's loss estimate

}  // namespace

std::string_view name(SendError e) {
  switch (e) {
    case SendError::payload_too_large:
      return "payload_too_large";
    case SendError::queue_full:
      return "queue_full";
    case SendError::to_self:
      return "to_self";
  }
  return "invalid";
}

Node::Node(const NodeConfig& config, const crypto::Identity& identity, crypto::KeySource& keys, Rng rng,
           Instant now, membership::Verifier* verifier)
    : config_(config),
      identity_(identity),
      session_ctx_{.identity = identity,
                   .keys = keys,
                   .network_psk = config_.network_psk,
                   .mesh_port = config_.mesh_port},
      rng_(rng),
      last_now_(now),
      messenger_(config_.messaging),
      outbox_(config_.outbox_max),
      next_message_id_(rng_.next_u64() >> 1),
      // Random like message ids (a restarted sender must not reuse ids a
      // receiver still remembers), but mixed from that one draw rather than
      // a second: the rng stream every other part of the node sees (the
      // simulator's seeds) stays as it was.
      next_segment_id_(mix64(next_message_id_) >> 1),
      floods_(config_.flood) {
  if (config_.membership) {
    if (verifier == nullptr) {
      own_verifier_ = std::make_unique<membership::DirectVerifier>();
      verifier = own_verifier_.get();
    }
    membership_ = std::make_unique<membership::Membership>(
        *config_.membership, identity_, *verifier, config_.advertise, config_.incarnation, rng_.split(), now);
    next_neighbour_check_ = now;
    pump_membership();
  }
  if (config_.routing) {
    routing::RouterConfig rc = *config_.routing;
    rc.max_body = std::min(rc.max_body, wire::kMaxFrame - 4);  // plus the Routing TLV's own header
    router_ = std::make_unique<routing::Router>(rc, routing::router_id_of(identity_.id), rng_.split(), now);
    router_->announce(now, routing::mesh_prefix_of(identity_.id));
    pump_router(now);
  }
}

void Node::pump_membership() {
  if (!membership_) return;
  while (auto t = membership_->poll_transmit()) transmit(t->to, std::move(t->data));
  while (auto e = membership_->poll_event()) {
    if (e->kind == membership::MemberEvent::Kind::failed || e->kind == membership::MemberEvent::Kind::left) {
      neighbours_.erase(e->id);
    }
    events_.push_back(*e);
  }
  if (auto d = membership_->poll_deadline()) arm(*d);
}

void Node::observe(Instant now) {
  HYPHAE_ASSERT(now >= last_now_);
  last_now_ = now;
}

void Node::arm(Instant when) {
  if (!next_deadline_ || when < *next_deadline_) next_deadline_ = when;
}

std::uint32_t Node::new_index() {
  for (;;) {
    auto index = static_cast<std::uint32_t>(rng_.next_u64());
    if (index != 0 && !links_.contains(index)) return index;
  }
}

void Node::transmit(Endpoint to, Bytes data) {
  counters_.tx_packets += 1;
  counters_.tx_bytes += data.size();
  transmits_.push_back(Transmit{to, std::move(data)});
}

void Node::settle() {
  for (auto& [index, acks] : acks_) {
    // A session closed since has no one to answer: the sender retransmits.
    if (auto link = links_.find(index); link != links_.end()) send_frame(last_now_, link->second, acks.frame);
  }
  acks_.clear();
  if (!pump_due_) return;
  pump_due_ = false;
  pump_messages(last_now_);
}

std::optional<Transmit> Node::poll_transmit() {
  settle();
  if (transmits_.empty()) return std::nullopt;
  Transmit t = std::move(transmits_.front());
  transmits_.pop_front();
  return t;
}

std::optional<Instant> Node::poll_deadline() {
  settle();
  return next_deadline_;
}

std::optional<NodeEvent> Node::poll_event() {
  settle();
  if (events_.empty()) return std::nullopt;
  NodeEvent e = std::move(events_.front());
  events_.pop_front();
  return e;
}

// ---- inputs -------------------------------------------------------------

void Node::on_datagram(Instant now, Endpoint from, ByteView datagram) {
  observe(now);
  counters_.rx_packets += 1;
  counters_.rx_bytes += datagram.size();
  if (datagram.size() > 1 && datagram[1] == membership::kGossipPacketType) {
    if (!membership_) {
      counters_.drop(wire::Drop::bad_type);
      return;
    }
    membership_->on_packet(now, from, datagram);
    pump_membership();
    return;
  }
  auto packet = wire::decode_packet(datagram);
  if (!packet) {
    counters_.drop(packet.error());
    return;
  }
  std::visit(
      [&](const auto& p) {
        using P = std::decay_t<decltype(p)>;
        if constexpr (std::is_same_v<P, wire::HandshakeInit>) on_handshake_init(now, from, p);
        if constexpr (std::is_same_v<P, wire::HandshakeResp>) on_handshake_resp(now, from, p);
        if constexpr (std::is_same_v<P, wire::HandshakeFinish>) on_handshake_finish(now, from, p);
        if constexpr (std::is_same_v<P, wire::Transport>) on_transport(now, from, p);
      },
      *packet);
}

void Node::on_handshake_init(Instant now, Endpoint from, const wire::HandshakeInit& p) {
  if (half_open_ >= config_.half_open_max) {
    counters_.drop(wire::Drop::rate_limited);
    return;
  }
  Bytes reply;
  const std::uint32_t index = new_index();
  auto session = link::Session::accept(session_ctx_, now, from, index, p, reply);
  if (!session) {
    counters_.drop(session.error());
    return;
  }
  links_.emplace(index, Link{.session = std::move(*session), .last_ping_sent = now});
  half_open_ += 1;
  transmit(from, std::move(reply));
  arm(now + config_.handshake_timeout);
}

void Node::on_handshake_resp(Instant now, Endpoint from, const wire::HandshakeResp& p) {
  auto it = links_.find(p.receiver_index);
  if (it == links_.end() || it->second.session.state() != link::SessionState::init_sent) {
    counters_.drop(wire::Drop::unknown_session);
    return;
  }
  Bytes finish;
  if (auto r = it->second.session.on_handshake_resp(now, from, p, finish); !r) {
    counters_.drop(r.error());
    links_.erase(it);  // the Noise state is spent; the dial timer starts afresh
    return;
  }
  if (it->second.session.remote_id() == identity_.id) {
    links_.erase(it);  // we dialled ourselves (a peer list naming our own address)
    return;
  }
  transmit(from, std::move(finish));
  // Not connected yet: the responder confirms with a transport packet.
  arm(now + config_.handshake_timeout);
}

void Node::on_handshake_finish(Instant now, Endpoint from, const wire::HandshakeFinish& p) {
  auto it = links_.find(p.receiver_index);
  if (it == links_.end() || it->second.session.state() != link::SessionState::resp_sent) {
    counters_.drop(wire::Drop::unknown_session);
    return;
  }
  HYPHAE_ASSERT(half_open_ > 0);
  half_open_ -= 1;
  if (auto r = it->second.session.on_handshake_finish(now, from, p); !r) {
    counters_.drop(r.error());
    links_.erase(it);
    return;
  }
  if (it->second.session.remote_id() == identity_.id) {
    links_.erase(it);
    return;
  }
  // Confirm at once so the initiator can start sending.
  send_ping(now, it->second);
  on_established(now, it->second);
}

void Node::on_transport(Instant now, Endpoint from, const wire::Transport& p) {
  auto it = links_.find(p.receiver_index);
  if (it == links_.end() || !it->second.session.has_transport_keys()) {
    counters_.drop(wire::Drop::unknown_session);
    return;
  }
  Link& link = it->second;
  const bool was_confirmed = link.session.state() == link::SessionState::established;
  if (auto r = link.session.on_transport(now, from, p, rx_scratch_); !r) {
    counters_.drop(r.error());
    return;
  }
  // Validate the whole frame before acting on any of it.
  wire::TlvArray frame;
  auto count = wire::decode_tlvs(rx_scratch_, frame);
  if (!count) {
    counters_.drop(count.error());
    return;
  }
  if (!was_confirmed) on_established(now, link);
  for (std::size_t i = 0; i < *count; ++i) {
    on_tlv(now, link, frame[i]);
    if (!links_.contains(p.receiver_index)) return;  // a Close TLV removed the session
  }
}

void Node::on_tlv(Instant now, Link& link, const wire::Tlv& tlv) {
  std::visit(
      [&](const auto& t) {
        using T = std::decay_t<decltype(t)>;
        if constexpr (std::is_same_v<T, wire::Ping>) {
          Bytes frame;
          wire::append_tlv(frame, wire::Pong{.ping_id = t.ping_id});
          send_frame(now, link, frame);
        } else if constexpr (std::is_same_v<T, wire::Pong>) {
          auto& [id, sent] = link.pings_in_flight[t.ping_id % link.pings_in_flight.size()];
          if (id != 0 && id == t.ping_id) {
            link.session.rtt().add_sample(now - sent);
            id = 0;
            link.loss *= 1 - kLossWeight;
          }
        } else if constexpr (std::is_same_v<T, wire::Message>) {
          on_message(now, link, t);
        } else if constexpr (std::is_same_v<T, wire::MessageAck>) {
          on_message_ack(now, t);
        } else if constexpr (std::is_same_v<T, wire::Routed>) {
          on_routed(now, t);
        } else if constexpr (std::is_same_v<T, wire::RoutedKey>) {
          on_routed_key(now, t);
        } else if constexpr (std::is_same_v<T, wire::Flood>) {
          if (auto from = link.session.remote_id()) on_flood(now, *from, t);
        } else if constexpr (std::is_same_v<T, wire::Routing>) {
          auto from = link.session.remote_id();
          if (router_ && from && routed_neighbours_.contains(*from)) {
            router_->on_packet(now, routing::neighbour_of(*from), t.body);
            pump_router(now);
          }
        } else if constexpr (std::is_same_v<T, wire::Close>) {
          // The peer is going away; forget it now rather than after session_timeout.
          if (auto id = link.session.remote_id()) lose_peer(*id, "closed");
        }
        // Hello belongs to handshake payloads; in a transport frame it carries nothing new.
      },
      tlv);
}

void Node::on_message(Instant now, Link& link, const wire::Message& m) {
  auto from = link.session.remote_id();
  HYPHAE_ASSERT(from.has_value());
  if (!deliver(now, *from, m)) return;
  // Acknowledge every copy: the previous ack may have been lost. Sent at the
  // next poll with the others for this session (at most kMaxTlvsPerFrame
  // acks of 10 bytes: a full frame always fits).
  const std::uint32_t index = link.session.local_index();
  PendingAcks& acks = acks_[index];
  wire::append_tlv(acks.frame, wire::MessageAck{.id = m.id});
  if (++acks.count == wire::kMaxTlvsPerFrame) {
    send_frame(now, link, acks.frame);
    acks_.erase(index);
  }
}

bool Node::deliver(Instant now, const crypto::NodeId& from, const wire::Message& m) {
  auto seen = seen_.find(from);
  if (seen == seen_.end()) {
    if (seen_.size() >= kMaxSenders) seen_.erase(seen_.begin());
    seen = seen_.emplace(from, messaging::DedupWindow(config_.dedup_window)).first;
  }
  if (seen->second.contains(m.id)) {
    counters_.messages_duplicate += 1;
    return true;
  }
  auto in = messenger_.on_segment(now, from, m.payload);
  using Verdict = messaging::Inbound::Verdict;
  switch (in.verdict) {
    case Verdict::drop:
      counters_.drop(in.drop);
      return false;
    case Verdict::hold:
      return false;  // not acknowledged: the sender comes back with it
    case Verdict::stored:
      break;
    case Verdict::duplicate:
      counters_.messages_duplicate += 1;
      break;
    case Verdict::deliver:
      counters_.messages_received += 1;
      events_.push_back(MessageReceived{.from = from,
                                        .id = in.id,
                                        .type = m.type,
                                        .priority = m.priority,
                                        .payload = std::move(in.payload),
                                        .reply_to = in.reply_to});
      break;
  }
  seen->second.insert(m.id);
  return true;
}

void Node::on_message_ack(Instant now, const wire::MessageAck& a) {
  auto m = outbox_.remove(a.id);
  if (!m) return;
  if (m->routed && m->attempts == 1) {
    const crypto::NodeId& to = m->segment.to;
    if (routed_rtt_.size() >= kMaxRoutedRtt && !routed_rtt_.contains(to)) routed_rtt_.clear();
    routed_rtt_[to].add_sample(now - m->last_sent);
  }
  if (auto done = messenger_.on_segment_acked(now, m->segment.message_id)) {
    events_.push_back(MessageAcked{.id = done->id, .to = done->to, .latency = done->latency});
  }
  pump_due_ = true;
}

void Node::fail_message(std::uint64_t id, std::string_view reason) {
  auto f = messenger_.fail(id, reason);
  if (!f) return;
  outbox_.remove_message(id);
  counters_.messages_failed += 1;
  events_.push_back(MessageFailed{.id = f->id, .to = f->to, .reason = f->reason});
}

void Node::pump_messages(Instant now) {
  if (!messenger_.has_queued()) return;
  std::set<crypto::NodeId> touched;
  auto room = [&](const crypto::NodeId& to) {
    return !outbox_.full() && outbox_.in_flight(to) < messenger_.window();
  };
  while (auto seg = messenger_.next_segment(room)) {
    touched.insert(seg->to);
    outbox_.add(OutgoingMessage{.id = next_segment_id_++, .segment = std::move(*seg)});
  }
  for (const auto& to : touched) flush_outbox(now, to);
}

void Node::on_established(Instant now, Link& link) {
  const crypto::NodeId id = *link.session.remote_id();
  counters_.handshakes_completed += 1;
  auto [peer, fresh] =
      peers_.try_emplace(id, Peer{.current_index = link.session.local_index(), .connected_since = now});
  if (!fresh) {
    // A newer session replaces the current one (rekey, or the peer restarted).
    // When both sides dialled at once, both keep the session initiated by the
    // lower node id, so they agree on which one to send on. The other keeps
    // decrypting until it falls silent for superseded_grace.
    Link* old = current_link(id);
    bool take_new = true;
    if (old != nullptr && old != &link && old->session.is_initiator() != link.session.is_initiator() &&
        now - *old->session.established_at() < config_.handshake_timeout) {
      take_new = link.session.is_initiator() == (identity_.id < id);
    }
    if (!take_new) {
      link.superseded_at = now;
      return;
    }
    if (old != nullptr && old != &link) old->superseded_at = now;
    peer->second.current_index = link.session.local_index();
  } else {
    events_.push_back(PeerConnected{.id = id, .address = link.session.remote()});
  }
  for (auto& d : dials_) {
    if (d.pending_index == link.session.local_index() || d.address == link.session.remote()) {
      d.pending_index.reset();
      d.backoff = config_.dial_backoff_initial;
    }
  }
  link.last_ping_sent = now;
  arm(now + keepalive_interval());
  if (membership_) membership_->note_authenticated(id);
  flush_outbox(now, id);
}

// ---- outputs to peers -----------------------------------------------------

void Node::send_frame(Instant now, Link& link, const Bytes& plaintext) {
  transmit(link.session.remote(), link.session.seal(now, plaintext));
}

void Node::send_ping(Instant now, Link& link) {
  link.ping_id += 1;
  auto& [id, sent] = link.pings_in_flight[link.ping_id % link.pings_in_flight.size()];
  if (id != 0) link.loss = (1 - kLossWeight) * link.loss + kLossWeight;  // unanswered 8 pings later: lost
  id = link.ping_id;
  sent = now;
  link.last_ping_sent = now;
  Bytes frame;
  wire::append_tlv(frame, wire::Ping{.ping_id = link.ping_id});
  send_frame(now, link, frame);
}

Node::Link* Node::current_link(const crypto::NodeId& id) {
  auto peer = peers_.find(id);
  if (peer == peers_.end()) return nullptr;
  auto it = links_.find(peer->second.current_index);
  return it == links_.end() ? nullptr : &it->second;
}

void Node::flush_outbox(Instant now, const crypto::NodeId& peer) {
  // A neighbour gets the message on its session; any other node through the
  // routing table, sealed to it. Without either it waits (until its deadline).
  Link* link = current_link(peer);
  const auto due = outbox_.due(peer, now);
  // With routing, a route or the destination's key may be a moment away
  // (a RoutedKey answer lost to the network is asked for again only when we
  // try again): look again shortly rather than wait for some other event.
  auto wait_for_route = [&](std::size_t from) {
    if (!router_) return;
    for (std::size_t i = from; i < due.size(); ++i) due[i]->next_send = now + kRouteRetry;
    arm(now + kRouteRetry);
  };
  if (link == nullptr && !next_hop_to(peer)) return wait_for_route(0);
  // On a session, as many segments share a datagram as fit (small messages
  // then cost a fraction of a seal, a syscall and an ack each).
  Bytes batch;
  std::size_t batched = 0;
  auto send_batch = [&] {
    if (batched == 0) return;
    send_frame(now, *link, batch);
    batch.clear();
    batched = 0;
  };
  for (std::size_t i = 0; i < due.size(); ++i) {
    OutgoingMessage* m = due[i];
    const messaging::Segment& seg = m->segment;
    const wire::Message tlv{.id = m->id, .type = seg.type, .priority = seg.priority, .payload = seg.bytes};
    Duration wait = kRoutedRto;
    m->routed = link == nullptr;
    if (link != nullptr) {
      if (batched == wire::kMaxTlvsPerFrame || batch.size() + wire::encoded_size(tlv) > wire::kMaxFrame) {
        send_batch();
      }
      wire::append_tlv(batch, tlv);
      batched += 1;
      wait = link->session.rtt().rto();  // RFC 6298-style backoff from the link's own RTO
    } else {
      Bytes frame;
      wire::append_tlv(frame, tlv);
      const auto r = send_routed(now, peer, frame);
      if (r == RoutedSend::too_large) {
        fail_message(seg.message_id, "too_large_to_route");
        return;  // the outbox lost this peer's segments of it; `due` is stale
      }
      if (r == RoutedSend::no_route) return wait_for_route(i);
      if (auto rtt = routed_rtt_.find(peer); rtt != routed_rtt_.end()) {
        wait = rtt->second.rto();  // measured end to end over the path
      }
    }
    m->last_sent = now;
    if (m->attempts > 0) counters_.messages_retransmitted += 1;
    for (std::uint32_t k = 0; k < m->attempts && wait < kRetransmitMax; ++k) wait = wait * 2;
    wait = std::min(wait, kRetransmitMax);
    m->attempts += 1;
    m->next_send = now + jittered(wait, rng_);
    arm(*m->next_send);
  }
  send_batch();
}

Result<std::uint64_t, SendError> Node::send(Instant now, const crypto::NodeId& to, wire::MessageType type,
                                            wire::Priority priority, ByteView payload,
                                            const SendOptions& options) {
  observe(now);
  if (payload.size() > messaging::kMaxMessageSize) return fail(SendError::payload_too_large);
  if (to == identity_.id) return fail(SendError::to_self);
  const std::uint64_t id = options.id.value_or(next_message_id_);
  const Instant deadline = now + options.deadline.value_or(config_.message_deadline);
  if (!messenger_.submit(messaging::Submission{.id = id,
                                               .to = to,
                                               .type = type,
                                               .priority = priority,
                                               .payload = Bytes(payload.begin(), payload.end()),
                                               .created = now,
                                               .deadline = deadline,
                                               .reply_to = options.reply_to})) {
    return fail(SendError::queue_full);
  }
  if (!options.id) next_message_id_ += 1;
  counters_.messages_sent += 1;
  arm(deadline);
  pump_due_ = true;
  return id;
}

void Node::close_all(Instant now) {
  observe(now);
  leave(now);
  Bytes frame;
  wire::append_tlv(frame, wire::Close{.reason = 0});
  for (auto& [index, link] : links_) {
    if (link.session.state() == link::SessionState::established) send_frame(now, link, frame);
  }
  while (!routed_neighbours_.empty()) unroute_neighbour(now, routed_neighbours_.begin()->first);
  links_.clear();
  peers_.clear();
  dials_.clear();
  half_open_ = 0;
}

// ---- dialling ----------------------------------------------------------------

void Node::dial(Instant now, Endpoint address) {
  observe(now);
  for (const auto& d : dials_) {
    if (d.address == address) return;
  }
  dials_.push_back(Dial{.address = address, .next_attempt = now, .backoff = config_.dial_backoff_initial});
  tick_dials(now);
}

std::uint32_t Node::initiate(Instant now, Endpoint address) {
  Bytes datagram;
  const std::uint32_t index = new_index();
  links_.emplace(index, Link{.session = link::Session::initiate(session_ctx_, now, address, index, datagram),
                             .last_ping_sent = now});
  counters_.handshakes_initiated += 1;
  transmit(address, std::move(datagram));
  return index;
}

void Node::lose_peer(const crypto::NodeId& id, std::string_view reason) {
  if (peers_.erase(id) == 0) return;
  unroute_neighbour(last_now_, id);
  std::erase_if(links_, [&](const auto& kv) { return kv.second.session.remote_id() == id; });
  events_.push_back(PeerLost{.id = id, .reason = reason});
}

// ---- timers --------------------------------------------------------------------

void Node::on_tick(Instant now) {
  observe(now);
  next_deadline_.reset();
  tick_sessions(now);
  tick_dials(now);
  tick_routing(now);
  tick_outbox(now);
  floods_.expire(now);
  if (membership_) {
    if (auto d = membership_->poll_deadline(); d && *d <= now) membership_->on_tick(now);
    tick_neighbours(now);
    pump_membership();
  }
}

void Node::join(Instant now, const std::vector<Endpoint>& seeds) {
  observe(now);
  if (!membership_) {
    for (const auto& s : seeds) dial(now, s);
    return;
  }
  membership_->join(now, seeds);
  pump_membership();
}

void Node::on_lan_peer(Instant now, const crypto::NodeId& id, Endpoint mesh_address) {
  observe(now);
  if (id == identity_.id) return;
  if (membership_ && membership_->state_of(id) == membership::State::alive) return;  // already a member
  join(now, {mesh_address});
}

void Node::set_resources(const membership::Resources& r) {
  if (membership_) membership_->set_resources(r);
}

void Node::leave(Instant now) {
  observe(now);
  if (!membership_) return;
  membership_->leave(now);
  pump_membership();
}

void Node::tick_neighbours(Instant now) {
  if (config_.target_degree == 0) return;
  std::size_t pending = 0;
  for (auto& [id, n] : neighbours_) {
    if (!n.pending_index) continue;
    if (peers_.contains(id)) {
      n.breaker.on_success(now);
      n.pending_index.reset();
    } else if (!links_.contains(*n.pending_index)) {
      n.breaker.on_failure(now, rng_);  // the handshake timed out
      n.pending_index.reset();
    } else {
      ++pending;
    }
  }
  if (now < next_neighbour_check_) {
    arm(next_neighbour_check_);
    return;
  }
  next_neighbour_check_ = now + seconds(1);
  arm(next_neighbour_check_);
  // A few attempts per check: a mesh that just formed should not all handshake at once.
  for (int attempt = 0; attempt < 4 && peers_.size() + pending < config_.target_degree; ++attempt) {
    auto pick = membership_->random_alive(rng_);
    if (!pick) break;
    const auto& [id, address] = *pick;
    if (peers_.contains(id)) continue;
    auto [it, fresh] = neighbours_.try_emplace(
        id, Neighbour{.address = address, .breaker = discovery::CircuitBreaker(config_.neighbour_breaker)});
    Neighbour& n = it->second;
    if (n.pending_index || !n.breaker.allow(now)) continue;
    n.address = address;
    n.pending_index = initiate(now, address);
    ++pending;
    arm(now + config_.handshake_timeout);
  }
}

void Node::tick_sessions(Instant now) {
  std::vector<crypto::NodeId> lost;
  std::vector<Endpoint> rekey;
  for (auto it = links_.begin(); it != links_.end();) {
    Link& link = it->second;
    const link::Session& s = link.session;
    const bool handshaking = s.state() != link::SessionState::established;
    if (handshaking) {
      if (now - s.created_at() >= config_.handshake_timeout) {
        if (s.state() == link::SessionState::resp_sent) half_open_ -= 1;
        it = links_.erase(it);
        continue;
      }
      arm(s.created_at() + config_.handshake_timeout);
      ++it;
      continue;
    }
    const crypto::NodeId id = *s.remote_id();
    if (current_link(id) != &link) {
      if (!link.superseded_at) link.superseded_at = now;
      const Instant quiet_since = std::max(*link.superseded_at, s.last_received());
      if (now - quiet_since >= config_.superseded_grace) {
        it = links_.erase(it);
        continue;
      }
      arm(quiet_since + config_.superseded_grace);
      ++it;
      continue;
    }
    if (now - s.last_received() >= config_.session_timeout) {
      lost.push_back(id);
      ++it;
      continue;
    }
    arm(s.last_received() + config_.session_timeout);
    const Instant established = *s.established_at();
    if (now - established >= config_.reject_after) {
      lost.push_back(id);
      ++it;
      continue;
    }
    arm(established + config_.reject_after);
    // The initiator rekeys at rekey_after; the responder steps in a little
    // later if the initiator has not (it may be an older node, or restarted).
    const Duration rekey_at = s.is_initiator()
                                  ? config_.rekey_after
                                  : config_.rekey_after + (config_.reject_after - config_.rekey_after) / 2;
    if (!link.rekey_started && (now - established >= rekey_at || s.exhausted())) {
      link.rekey_started = true;
      rekey.push_back(s.remote());
    } else if (!link.rekey_started) {
      arm(established + rekey_at);
    }
    if (now - link.last_ping_sent >= keepalive_interval()) send_ping(now, link);
    arm(link.last_ping_sent + keepalive_interval());
    ++it;
  }
  for (const auto& id : lost) lose_peer(id, "timeout");
  for (const auto& address : rekey) initiate(now, address);
}

void Node::tick_dials(Instant now) {
  for (auto& d : dials_) {
    bool connected = false;
    for (const auto& [index, link] : links_) {
      if (link.session.remote() == d.address && link.session.state() == link::SessionState::established) {
        connected = true;
        break;
      }
    }
    if (connected) continue;
    if (d.pending_index && links_.contains(*d.pending_index)) {
      continue;  // a handshake is in flight; its own timeout removes it
    }
    if (d.pending_index) {
      // The last attempt failed: back off before the next one.
      d.pending_index.reset();
      d.next_attempt = now + jittered(d.backoff, rng_);
      d.backoff = std::min(d.backoff * 2, config_.dial_backoff_max);
    }
    if (now >= d.next_attempt) {
      d.pending_index = initiate(now, d.address);
      arm(now + config_.handshake_timeout);
    } else {
      arm(d.next_attempt);
    }
  }
}

void Node::tick_outbox(Instant now) {
  for (OutgoingMessage& m : outbox_.take_expired(now)) {
    const crypto::NodeId& to = m.segment.to;
    fail_message(m.segment.message_id,
                 peers_.contains(to) || next_hop_to(to) ? "deadline" : "peer_unreachable");
  }
  for (const auto& f : messenger_.take_expired(now)) {
    outbox_.remove_message(f.id);
    counters_.messages_failed += 1;
    events_.push_back(MessageFailed{.id = f.id, .to = f.to, .reason = f.reason});
  }
  messenger_.on_tick(now);
  for (const auto& peer : outbox_.peers_due(now)) flush_outbox(now, peer);
  pump_messages(now);
  if (auto next = outbox_.next_deadline(now)) arm(*next);
  if (auto next = messenger_.next_deadline()) arm(*next);
}

std::vector<PeerInfo> Node::peers() const {
  std::vector<PeerInfo> out;
  for (const auto& [id, peer] : peers_) {
    auto it = links_.find(peer.current_index);
    if (it == links_.end()) continue;
    const link::Session& s = it->second.session;
    out.push_back(PeerInfo{.id = id,
                           .address = s.remote(),
                           .state = "connected",
                           .srtt = s.rtt().srtt(),
                           .mesh_port = s.remote_mesh_port(),
                           .connected_since = peer.connected_since});
  }
  for (const auto& d : dials_) {
    const bool known =
        std::any_of(out.begin(), out.end(), [&](const PeerInfo& p) { return p.address == d.address; });
    if (!known) out.push_back(PeerInfo{.id = {}, .address = d.address, .state = "connecting"});
  }
  return out;
}

}  // namespace hyphae::node
