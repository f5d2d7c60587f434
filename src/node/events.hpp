// What a Node tells its driver: datagrams to send and events to deliver.
#pragma once

#include <cstdint>
#include <optional>
#include <string_view>
#include <variant>

#include "base/bytes.hpp"
#include "base/endpoint.hpp"
#include "base/time.hpp"
#include "crypto/identity.hpp"
#include "membership/membership.hpp"
#include "routing/routing.hpp"
#include "wire/message_kind.hpp"

namespace hyphae::node {

struct Transmit {
  Endpoint to;
  Bytes data;
};

struct PeerConnected {
  crypto::NodeId id;
  Endpoint address;
};

struct PeerLost {
  crypto::NodeId id;
  std::string_view reason;  // static string: "timeout", "closed", "expired"
};

struct MessageReceived {
  crypto::NodeId from;
  std::uint64_t id;  // the sender's message id (unique per sender)
  wire::MessageType type;
  wire::Priority priority;
  Bytes payload;
  std::optional<std::uint64_t> reply_to;  // the QUERY a RESPONSE answers
  bool broadcast = false;                 // flooded to every node (ids are the origin's)
};

struct MessageAcked {
  std::uint64_t id;
  crypto::NodeId to;
  Duration latency;  // from send() to the acknowledgement
};

struct MessageFailed {
  std::uint64_t id;
  crypto::NodeId to;
  std::string_view reason;  // static string: "deadline", "peer_unreachable"
};

// Membership changes (node.discovered, node.failed, ...) arrive as
// membership::MemberEvent, route changes (route.changed) as routing::RouteEvent.
using NodeEvent = std::variant<PeerConnected, PeerLost, MessageReceived, MessageAcked, MessageFailed,
                               membership::MemberEvent, routing::RouteEvent>;

}  // namespace hyphae::node
