// Hyphae as an embeddable C++ library (DESIGN.md §3, issue 7).
//
//   #include <hyphae/hyphae.hpp>
//   auto node = hyphae::MeshNode::start({.listen = "127.0.0.1:0", .peers = {"127.0.0.1:9900"}});
//   if (!node) { /* node.error() says why */ }
//   (*node)->send(to, hyphae::MessageType::task, hyphae::Priority::high, "square 7");
//
// A MeshNode is one mesh node: it owns a UDP socket and a background thread
// (the "node thread") that runs the protocol. Every public member function is
// safe to call from any thread. Callbacks (on_message, on_delivery) run on the
// node thread, one at a time; see docs/library.md for the threading rules.
//
// This header depends on the standard library only: the node's internals
// (Boost.Asio, libsodium, the protocol cores) stay behind MeshNode's pimpl.
#pragma once

#include <array>
#include <chrono>
#include <compare>
#include <cstddef>
#include <cstdint>
#include <expected>
#include <filesystem>
#include <functional>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace hyphae {

// The wire's message types (docs/protocol.md); the values are the wire bytes.
enum class MessageType : std::uint8_t {
  task = 1,
  query = 2,
  response = 3,
  notification = 4,
  parameter_update = 5,
};

// Lower value = more urgent. CRITICAL is scheduled strictly first; the rest
// share the link by weight, so LOW still makes progress under load.
enum class Priority : std::uint8_t {
  critical = 0,
  high = 1,
  medium = 2,
  low = 3,
};

std::string_view to_string(MessageType t);  // "TASK", ..., "PARAMETER_UPDATE"
std::string_view to_string(Priority p);     // "CRITICAL", ..., "LOW"

// A node's address in the mesh: the BLAKE2b-160 hash of its static key.
struct NodeId {
  std::array<std::uint8_t, 20> bytes{};

  auto operator<=>(const NodeId&) const = default;
  std::string to_string() const;  // 40 lower-case hex digits
  // Exactly 40 hex digits; nullopt otherwise.
  static std::optional<NodeId> parse(std::string_view text);
};

// Unique per sender (the receiver deduplicates by (sender, id)).
using MessageId = std::uint64_t;

struct Message {
  NodeId from;
  MessageId id = 0;
  MessageType type = MessageType::notification;
  Priority priority = Priority::medium;
  std::vector<std::uint8_t> payload;
  std::optional<MessageId> reply_to;  // set on a RESPONSE: the QUERY it answers
  bool broadcast = false;             // arrived by broadcast(), not send()

  // The payload as text (no copy; valid while the Message lives).
  std::string_view text() const { return {reinterpret_cast<const char*>(payload.data()), payload.size()}; }
};

enum class ErrorCode : std::uint8_t {
  invalid_argument,   // a bad option or address, an empty reply_to, ...
  payload_too_large,  // over 16 MiB for send(), over 1024 bytes for broadcast()
  queue_full,         // back-pressure: this priority's queue is full; nothing was queued
  to_self,            // a message addressed to this very node
  timeout,            // query(): no RESPONSE within the timeout
  undeliverable,      // the mesh gave up on the message (its deadline passed, no route)
  stopped,            // the node is stopping or stopped
  would_deadlock,     // a blocking call (query) made on the node thread, from a callback
  io,                 // the socket or the identity file could not be opened
};

std::string_view to_string(ErrorCode c);

struct Error {
  ErrorCode code;
  std::string message;  // for people: what failed and why
};

struct MeshOptions {
  // "host:port" with an IP literal ("127.0.0.1:0", "[::]:9900"); port 0 picks a free one.
  std::string listen = "0.0.0.0:9900";
  // Where other members reach this node. Empty: the listen address, which
  // must then be a concrete IP (not 0.0.0.0 / ::) when membership is on.
  std::string advertise;
  // Nodes to keep a direct, encrypted session with (redialled with backoff).
  std::vector<std::string> peers;
  // Membership seeds: the node joins the mesh through the first that answers.
  std::vector<std::string> bootstrap;
  // Where the identity key is kept (data_dir/node.key, created mode 0600 on
  // first start), so the node keeps its NodeId across restarts. Unset: a
  // fresh identity each start.
  std::optional<std::filesystem::path> data_dir;
  bool membership = true;  // SWIM membership and peer exchange; off: only `peers`
  bool routing = true;     // multi-hop routing (Babel); off: neighbours only
  // A message not acknowledged by then fails (on_delivery reports it).
  std::chrono::milliseconds message_deadline{30'000};
  // Installed before the node starts, so no message arrives unhandled.
  std::function<void(const Message&)> on_message;
};

struct SendOptions {
  std::optional<std::chrono::milliseconds> deadline;  // unset: MeshOptions::message_deadline
  std::optional<MessageId> reply_to;                  // what a RESPONSE answers
};

// How a send() ended: acknowledged end to end, or given up.
struct Delivery {
  MessageId id = 0;
  NodeId to;
  bool delivered = false;
  std::chrono::microseconds latency{0};  // send() to acknowledgement (delivered only)
  std::string failure;                   // why not ("deadline", "peer_unreachable")
};

struct PriorityStats {
  std::uint64_t sent = 0;       // accepted by send()
  std::uint64_t delivered = 0;  // acknowledged end to end
  std::uint64_t failed = 0;
  std::uint64_t rejected = 0;  // refused by send(): queue full
  // Latency send() to acknowledgement, upper bounds of histogram buckets; 0 when none.
  std::chrono::microseconds p50{0}, p90{0}, p99{0};
};

struct Stats {
  std::array<PriorityStats, 4> by_priority;  // indexed by Priority
  std::uint64_t sent = 0, delivered = 0, failed = 0, rejected = 0;
  std::optional<double> success_rate;  // delivered / (delivered + failed); unset before any outcome
  std::uint64_t pending = 0;           // sent, not yet acknowledged or failed
  std::uint64_t received = 0;          // messages delivered to this node
  std::uint64_t handler_errors = 0;    // exceptions thrown by on_message / on_delivery
  std::size_t active_peers = 0;        // neighbours with an established session
  std::size_t healthy_peers = 0;       // alive members with health >= 0.5 (membership on)
};

struct Peer {
  NodeId id;
  std::string address;  // "ip:port"
  bool connected = false;
  std::optional<std::chrono::microseconds> rtt;
};

struct Route {
  std::string destination;  // the prefix, e.g. "fd12:...:/128"
  NodeId next_hop;
  std::uint16_t metric = 0;
  bool selected = false;
};

class MeshNode {
 public:
  // Opens the socket, loads or creates the identity, dials `peers`, joins
  // through `bootstrap` and starts the node thread.
  static std::expected<std::unique_ptr<MeshNode>, Error> start(MeshOptions options);

  // Stops the node (see stop()) and joins its thread. Never destroy a
  // MeshNode from one of its own callbacks.
  ~MeshNode();
  MeshNode(const MeshNode&) = delete;
  MeshNode& operator=(const MeshNode&) = delete;

  NodeId node_id() const;
  std::string listen_address() const;  // the bound "ip:port" (with the port picked)

  // Queues a message for reliable, exactly-once, end-to-end delivery. The
  // returned id comes back in on_delivery. Returns at once; a destination
  // not reachable yet is retried until the deadline.
  std::expected<MessageId, Error> send(const NodeId& to, MessageType type, Priority priority,
                                       std::span<const std::uint8_t> payload,
                                       const SendOptions& options = {});
  std::expected<MessageId, Error> send(const NodeId& to, MessageType type, Priority priority,
                                       std::string_view payload, const SendOptions& options = {});

  // Sends a QUERY and blocks the caller (never the node) until the RESPONSE
  // that names it in reply_to arrives, the timeout passes (ErrorCode::timeout)
  // or the mesh gives up on it (undeliverable). That RESPONSE goes to the
  // caller only, not to on_message. Must not be called from a callback.
  std::expected<Message, Error> query(const NodeId& to, std::span<const std::uint8_t> payload,
                                      std::chrono::milliseconds timeout, Priority priority = Priority::high);
  std::expected<Message, Error> query(const NodeId& to, std::string_view payload,
                                      std::chrono::milliseconds timeout, Priority priority = Priority::high);
  // Seed 001's name for the same thing.
  std::expected<Message, Error> send_and_wait(const NodeId& to, std::string_view payload,
                                              std::chrono::milliseconds timeout) {
    return query(to, payload, timeout);
  }

  // Answers `request` with a RESPONSE to its sender naming it in reply_to.
  // Fine to call from on_message.
  std::expected<MessageId, Error> reply(const Message& request, std::span<const std::uint8_t> payload,
                                        Priority priority = Priority::high);
  std::expected<MessageId, Error> reply(const Message& request, std::string_view payload,
                                        Priority priority = Priority::high);

  // Floods a message (at most 1024 bytes) to every node of the mesh; best
  // effort (no acknowledgement), but it takes every path there is.
  std::expected<MessageId, Error> broadcast(MessageType type, std::span<const std::uint8_t> payload,
                                            Priority priority = Priority::medium);
  std::expected<MessageId, Error> broadcast(MessageType type, std::string_view payload,
                                            Priority priority = Priority::medium);

  // Replaces the handler for messages received (not the RESPONSEs query()
  // consumes). It runs on the node thread, one message at a time, so a slow
  // handler delays the node: hand long work to another thread. It may call
  // send(), reply(), broadcast(), stats(), peers() and routes(), but not
  // query() (ErrorCode::would_deadlock) or the destructor. Exceptions it
  // throws are caught and counted in Stats::handler_errors.
  void on_message(std::function<void(const Message&)> handler);
  // Called on the node thread when a sent message is acknowledged or fails.
  void on_delivery(std::function<void(const Delivery&)> handler);

  Stats stats() const;
  std::vector<Peer> peers() const;
  std::vector<Route> routes() const;

  // Says goodbye to the mesh (peers forget this node at once), fails pending
  // queries with ErrorCode::stopped and stops the node thread; later calls
  // return ErrorCode::stopped. Idempotent. Called from a callback, it only
  // begins the stop (the destructor, on another thread, finishes it).
  void stop();

 private:
  struct Impl;
  explicit MeshNode(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

// DESIGN.md §3 names the library's node `hyphae::Node`.
using Node = MeshNode;

}  // namespace hyphae
