// Multi-hop: the node's side of routing/ (neighbours in and out of the
// router, link costs, its TLVs on the sessions) and frames for nodes that are
// not neighbours (docs/protocol.md, Routed): sealed end to end from our static
// key to the destination's, then handed from neighbour to neighbour along the
// routing table. Relays read only the header; the hop limit bounds the damage
// of a transient loop.
#include <algorithm>

#include "base/assert.hpp"
#include "crypto/seal.hpp"
#include "node/node.hpp"

namespace hyphae::node {
namespace {

constexpr std::size_t kMaxStaticKeys = 4096;
constexpr Duration kKeyRetry = seconds(1);  // between RoutedKey requests to one node

}  // namespace

std::optional<crypto::PublicKey> Node::static_key_of(const crypto::NodeId& id) {
  if (auto it = static_keys_.find(id); it != static_keys_.end()) return it->second;
  std::optional<crypto::PublicKey> key;
  if (Link* link = current_link(id)) key = link->session.remote_static();
  if (!key && membership_) {
    // A verified record signed by the member itself names its key.
    if (auto signing = membership_->signing_key_of(id)) key = crypto::x25519_of_signing_key(*signing);
  }
  if (!key) return std::nullopt;
  HYPHAE_ASSERT(crypto::node_id_of(*key) == id);  // both sources are bound to the id
  if (static_keys_.size() >= kMaxStaticKeys) static_keys_.clear();
  static_keys_.emplace(id, *key);
  return key;
}

Node::RoutedSend Node::send_routed(Instant now, const crypto::NodeId& dst, ByteView inner) {
  const auto hop = next_hop_to(dst);
  Link* link = hop ? current_link(*hop) : nullptr;
  if (link == nullptr) return RoutedSend::no_route;
  const auto key = static_key_of(dst);
  if (!key) {
    // Never met: ask for its key (at most once a second); the message waits.
    auto asked = key_asked_.find(dst);
    if (asked == key_asked_.end() || now - asked->second >= kKeyRetry) {
      if (key_asked_.size() >= kMaxStaticKeys) key_asked_.clear();
      key_asked_[dst] = now;
      send_key(now, dst, true);
    }
    return RoutedSend::no_route;
  }
  const std::size_t sealed_size = inner.size() + crypto::kSealOverhead;
  if (wire::encoded_size(wire::Routed{.sealed = ByteView(inner.data(), 0)}) + sealed_size > wire::kMaxFrame) {
    return RoutedSend::too_large;
  }
  crypto::SealNonce nonce{};
  rng_.fill(nonce);
  const Bytes sealed = crypto::seal_to(identity_.keys, *key, nonce, inner);
  Bytes frame;
  wire::append_tlv(
      frame,
      wire::Routed{
          .dst = dst.bytes, .src = identity_.id.bytes, .hop_limit = config_.hop_limit, .sealed = sealed});
  send_frame(now, *link, frame);
  return RoutedSend::sent;
}

void Node::send_key(Instant now, const crypto::NodeId& dst, bool want_reply) {
  const auto hop = next_hop_to(dst);
  Link* link = hop ? current_link(*hop) : nullptr;
  if (link == nullptr) return;
  Bytes frame;
  wire::append_tlv(frame, wire::RoutedKey{.dst = dst.bytes,
                                          .src = identity_.id.bytes,
                                          .hop_limit = config_.hop_limit,
                                          .key = identity_.keys.pub,
                                          .want_reply = want_reply});
  send_frame(now, *link, frame);
}

bool Node::forward(Instant now, const crypto::NodeId& dst, const wire::Tlv& tlv) {
  const auto hop = next_hop_to(dst);
  Link* link = hop ? current_link(*hop) : nullptr;
  if (link == nullptr) {
    counters_.drop(wire::Drop::no_route);
    return false;
  }
  Bytes frame;
  wire::append_tlv(frame, tlv);
  send_frame(now, *link, frame);
  counters_.routed_forwarded += 1;
  return true;
}

void Node::on_routed(Instant now, const wire::Routed& r) {
  const crypto::NodeId dst{r.dst}, src{r.src};
  if (dst == identity_.id) return on_routed_for_us(now, src, r.sealed);
  if (r.hop_limit <= 1) return counters_.drop(wire::Drop::hop_limit);
  wire::Routed next = r;
  next.hop_limit -= 1;
  forward(now, dst, next);
}

void Node::on_routed_key(Instant now, const wire::RoutedKey& k) {
  const crypto::NodeId dst{k.dst}, src{k.src};
  if (dst != identity_.id) {
    if (k.hop_limit <= 1) return counters_.drop(wire::Drop::hop_limit);
    wire::RoutedKey next = k;
    next.hop_limit -= 1;
    forward(now, dst, next);
    return;
  }
  if (crypto::node_id_of(k.key) != src) return counters_.drop(wire::Drop::bad_value);  // not src's key
  if (static_keys_.size() >= kMaxStaticKeys) static_keys_.clear();
  static_keys_[src] = k.key;
  key_asked_.erase(src);
  if (k.want_reply) send_key(now, src, false);
  flush_outbox(now, src);
}

void Node::on_routed_for_us(Instant now, const crypto::NodeId& src, ByteView sealed) {
  const auto key = static_key_of(src);
  auto plain = key ? crypto::open_from(identity_.keys, *key, sealed) : std::nullopt;
  if (!plain) {
    counters_.drop(wire::Drop::bad_seal);
    return;
  }
  wire::TlvArray tlvs;
  auto count = wire::decode_tlvs(*plain, tlvs);
  if (!count) {
    counters_.drop(count.error());
    return;
  }
  counters_.routed_received += 1;
  for (std::size_t i = 0; i < *count; ++i) {
    if (const auto* m = std::get_if<wire::Message>(&tlvs[i])) {
      if (!deliver(now, src, *m)) continue;
      // Acknowledge every copy, back the same way: the previous ack may have been lost.
      Bytes ack;
      wire::append_tlv(ack, wire::MessageAck{.id = m->id});
      send_routed(now, src, ack);
    } else if (const auto* a = std::get_if<wire::MessageAck>(&tlvs[i])) {
      on_message_ack(now, *a);
    }
    // Nothing else is meaningful end to end; session TLVs stay between neighbours.
  }
}

std::optional<crypto::NodeId> Node::next_hop_to(const crypto::NodeId& dst) const {
  if (!router_) return std::nullopt;
  auto hop = router_->next_hop(crypto::ula_of(dst));
  if (!hop) return std::nullopt;
  return routing::node_id_of(*hop);
}

bool Node::knows(const crypto::NodeId& id) const {
  if (peers_.contains(id)) return true;
  if (membership_ && membership_->state_of(id)) return true;
  // A node we have sealed to before stays known while its route is down
  // (a relay restarting): its messages wait instead of being refused.
  if (static_keys_.contains(id)) return true;
  return next_hop_to(id).has_value();
}

std::vector<routing::RouteView> Node::routes() const {
  return router_ ? router_->routes() : std::vector<routing::RouteView>{};
}

Duration Node::keepalive_interval() const {
  return router_ ? std::min(config_.keepalive_interval, config_.routing_hello) : config_.keepalive_interval;
}

void Node::tick_routing(Instant now) {
  if (!router_) return;
  // A neighbour is in the router while its session is heard from; a silent
  // one is taken out after neighbour_timeout (Babel's hello/IHU loss,
  // measured on our keepalives), so routes through it move at once.
  std::vector<crypto::NodeId> quiet;
  for (const auto& [id, peer] : peers_) {
    Link* link = current_link(id);
    if (link == nullptr || link->session.state() != link::SessionState::established) continue;
    const Instant heard = link->session.last_received();
    if (now - heard >= config_.neighbour_timeout) {
      quiet.push_back(id);
      continue;
    }
    arm(heard + config_.neighbour_timeout);
    const Duration rtt = link->session.rtt().srtt().value_or(Duration{});
    const std::uint16_t raw = routing::link_cost(config_.link_cost, rtt, link->loss);
    auto [it, fresh] = routed_neighbours_.try_emplace(id);
    const std::uint16_t cost = it->second.update(raw);
    const routing::NeighbourId n = routing::neighbour_of(id);
    if (fresh) {
      router_->add_neighbour(now, n, cost);
    } else if (router_->link_cost(n) != cost) {
      router_->set_link_cost(now, n, cost);
    }
  }
  for (const auto& id : quiet) unroute_neighbour(now, id);
  if (auto d = router_->poll_deadline(); d && *d <= now) router_->on_tick(now);
  pump_router(now);
}

void Node::unroute_neighbour(Instant now, crypto::NodeId id) {  // a copy: `id` may name a key we erase
  if (!router_ || routed_neighbours_.erase(id) == 0) return;
  router_->remove_neighbour(now, routing::neighbour_of(id));
  pump_router(now);
}

void Node::pump_router(Instant now) {
  if (!router_) return;
  while (auto t = router_->poll_transmit()) {
    Bytes frame;
    wire::append_tlv(frame, wire::Routing{.body = t->body});
    if (t->to) {
      if (Link* link = current_link(routing::node_id_of(*t->to))) send_frame(now, *link, frame);
      continue;
    }
    for (const auto& [id, smoother] : routed_neighbours_) {
      if (Link* link = current_link(id)) send_frame(now, *link, frame);
    }
  }
  bool selected = false;
  while (auto e = router_->poll_event()) {
    selected = selected || e->kind == routing::RouteEvent::Kind::selected;
    events_.push_back(*e);
  }
  // A destination just became reachable: messages waiting for it may go now.
  if (selected) {
    for (const auto& peer : outbox_.peers_due(now)) {
      if (!peers_.contains(peer)) flush_outbox(now, peer);
    }
  }
  if (auto d = router_->poll_deadline()) arm(*d);
}

}  // namespace hyphae::node
