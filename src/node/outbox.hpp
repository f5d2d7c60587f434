// Messages sent but not yet acknowledged. Each is (re)sent when due, with
// exponential backoff and jitter between attempts, until its ack arrives or its
// deadline passes.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <vector>

#include "base/bytes.hpp"
#include "base/time.hpp"
#include "crypto/identity.hpp"
#include "messaging/messenger.hpp"

namespace hyphae::node {

// One segment (a chunk of an application message, see messaging/) in
// flight, with its transport state.
struct OutgoingMessage {
  std::uint64_t id = 0;  // the segment's, acknowledged by the receiver
  messaging::Segment segment;
  std::optional<Instant> next_send;  // nullopt: never sent yet, send as soon as the peer is up
  std::uint32_t attempts = 0;
  Instant last_sent;    // for an RTT sample when the first attempt is acked (Karn)
  bool routed = false;  // the last attempt went through the routing table, not a session
};

class Outbox {
 public:
  explicit Outbox(std::size_t capacity) : capacity_(capacity) {}

  bool full() const { return messages_.size() >= capacity_; }
  std::size_t size() const { return messages_.size(); }
  void add(OutgoingMessage m);
  std::optional<OutgoingMessage> remove(std::uint64_t id);
  // Removes every segment of application message `message_id`.
  void remove_message(std::uint64_t message_id);
  // Segments in flight to `to`.
  std::size_t in_flight(const crypto::NodeId& to) const;

  // Messages to `to` that are due at `now`, most urgent priority first, then oldest.
  std::vector<OutgoingMessage*> due(const crypto::NodeId& to, Instant now);
  // Removes and returns every message whose deadline has passed.
  std::vector<OutgoingMessage> take_expired(Instant now);
  // The earliest future retry, or deadline, among all messages. A message due
  // but waiting for its peer to connect contributes only its deadline.
  std::optional<Instant> next_deadline(Instant now) const;
  // Every peer with at least one message due at `now`.
  std::vector<crypto::NodeId> peers_due(Instant now) const;

 private:
  std::size_t capacity_;
  void erase(std::map<std::uint64_t, OutgoingMessage>::iterator it);

  std::map<std::uint64_t, OutgoingMessage> messages_;  // by id: ids grow, so this is send order
  std::map<crypto::NodeId, std::size_t> in_flight_;
};

}  // namespace hyphae::node
