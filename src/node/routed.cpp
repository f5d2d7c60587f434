// Frames for nodes that are not neighbours (docs/protocol.md, Routed): sealed
// end to end from our static key to the destination's, then handed from
// neighbour to neighbour along the routing table. Relays read only the
// header; the hop limit bounds the damage of a transient loop.
#include "base/assert.hpp"
#include "crypto/seal.hpp"
#include "node/node.hpp"

namespace hyphae::node {
namespace {

constexpr std::size_t kMaxStaticKeys = 4096;

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
  const auto key = static_key_of(dst);
  if (link == nullptr || !key) return RoutedSend::no_route;
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

void Node::on_routed(Instant now, const wire::Routed& r) {
  const crypto::NodeId dst{r.dst}, src{r.src};
  if (dst == identity_.id) return on_routed_for_us(now, src, r.sealed);
  if (r.hop_limit <= 1) {
    counters_.drop(wire::Drop::hop_limit);
    return;
  }
  const auto hop = next_hop_to(dst);
  Link* link = hop ? current_link(*hop) : nullptr;
  if (link == nullptr) {
    counters_.drop(wire::Drop::no_route);
    return;
  }
  wire::Routed next = r;
  next.hop_limit -= 1;
  Bytes frame;
  wire::append_tlv(frame, next);
  send_frame(now, *link, frame);
  counters_.routed_forwarded += 1;
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
      // Acknowledge every copy, back the same way: the previous ack may have been lost.
      Bytes ack;
      wire::append_tlv(ack, wire::MessageAck{.id = m->id});
      send_routed(now, src, ack);
      deliver(src, *m);
    } else if (const auto* a = std::get_if<wire::MessageAck>(&tlvs[i])) {
      on_message_ack(now, *a);
    }
    // Nothing else is meaningful end to end; session TLVs stay between neighbours.
  }
}

std::optional<crypto::NodeId> Node::next_hop_to(const crypto::NodeId& dst) const {
  (void)dst;
  return std::nullopt;  // ROUTER-HOOKUP
}

}  // namespace hyphae::node
