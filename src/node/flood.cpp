// Node: broadcasts. The origin signs (origin key, id, type, priority,
// payload) and sends the Flood TLV to every neighbour; each node checks the
// signature the first time it sees (origin, id), delivers it once, and
// passes it to its other neighbours with one hop less. A copy whose
// signature fails is dropped before it can enter the duplicate cache, so a
// forged copy cannot shadow the real one.
#include <algorithm>

#include "base/assert.hpp"
#include "node/node.hpp"
#include "wire/writer.hpp"

namespace hyphae::node {
namespace {

constexpr std::string_view kFloodContext = "hyphae flood v1";

Bytes signed_part(const wire::Flood& f) {
  Bytes out;
  wire::Writer w(out);
  w.bytes(as_bytes(kFloodContext));
  w.bytes(f.origin_key);
  w.u64(f.id);
  w.u8(static_cast<std::uint8_t>(f.type));
  w.u8(static_cast<std::uint8_t>(f.priority));
  w.bytes(f.payload);
  return out;
}

}  // namespace

Result<std::uint64_t, SendError> Node::broadcast(Instant now, wire::MessageType type, wire::Priority priority,
                                                 ByteView payload) {
  observe(now);
  if (payload.size() > wire::kMaxFloodPayload) return fail(SendError::payload_too_large);
  wire::Flood f{.origin_key = identity_.signing_pub,
                .id = next_message_id_++,
                .ttl = config_.flood_ttl,
                .type = type,
                .priority = priority,
                .signature = {},
                .payload = payload};
  f.signature = identity_.sign(signed_part(f));
  floods_.first_seen(now, routing::FloodKey{identity_.id, f.id});  // our own echo is a duplicate
  counters_.floods_sent += 1;
  send_flood(now, f, std::nullopt);
  return f.id;
}

void Node::on_flood(Instant now, const crypto::NodeId& from, const wire::Flood& f) {
  const auto origin = crypto::node_id_of_signing_key(f.origin_key);
  if (!origin) return counters_.drop(wire::Drop::bad_value);
  const routing::FloodKey key{*origin, f.id};
  if (floods_.contains(now, key)) {
    counters_.floods_duplicate += 1;
    return;
  }
  if (!crypto::verify_signature(f.origin_key, signed_part(f), f.signature)) {
    return counters_.drop(wire::Drop::bad_auth);
  }
  floods_.first_seen(now, key);
  counters_.floods_received += 1;
  events_.push_back(MessageReceived{.from = *origin,
                                    .id = f.id,
                                    .type = f.type,
                                    .priority = f.priority,
                                    .payload = Bytes(f.payload.begin(), f.payload.end()),
                                    .reply_to = std::nullopt,
                                    .broadcast = true});
  const std::uint8_t ttl = std::min(f.ttl, floods_.config().max_ttl);
  if (ttl <= 1) return;
  wire::Flood next = f;
  next.ttl = static_cast<std::uint8_t>(ttl - 1);
  send_flood(now, next, from);
}

void Node::send_flood(Instant now, const wire::Flood& f, const std::optional<crypto::NodeId>& except) {
  Bytes frame;
  wire::append_tlv(frame, f);
  for (const auto& [id, peer] : peers_) {
    if (except && id == *except) continue;
    Link* link = current_link(id);
    if (link == nullptr) continue;
    send_frame(now, *link, frame);
    if (except) counters_.floods_forwarded += 1;
  }
}

}  // namespace hyphae::node
