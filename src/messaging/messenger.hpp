// Application messages over the node's reliable segment transport (seed 001's
// MeshNetworkManager semantics, issue 7). Sans-IO, owned by node::Node:
//
// - send: a message (up to 16 MiB) waits in its priority's bounded queue; the
//   Scheduler decides whose next chunk goes out whenever a destination has
//   room in its window of unacknowledged segments. The transport (Outbox)
//   retransmits each segment with backoff until acked or the message's
//   deadline passes. The message is acked when every chunk is, and fails
//   (once, with its other segments cancelled) when any chunk cannot make it.
// - receive: envelopes are decoded, chunks reassembled within a memory budget,
//   and each message id is delivered to the application once per sender, even
//   across the sender's restarts (its restored outbox keeps its ids) and this
//   node's (the driver re-seeds the window with remember_delivered()).
// - statistics: counts by priority and outcome, latency percentiles.
#pragma once

#include <array>
#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "base/bytes.hpp"
#include "base/time.hpp"
#include "crypto/identity.hpp"
#include "messaging/dedup_window.hpp"
#include "messaging/envelope.hpp"
#include "messaging/latency_histogram.hpp"
#include "messaging/reassembly.hpp"
#include "messaging/scheduler.hpp"
#include "wire/drop.hpp"
#include "wire/message_kind.hpp"

namespace hyphae::messaging {

struct MessengerConfig {
  SchedulerConfig scheduler;
  ReassemblyConfig reassembly;
  std::size_t window = 64;          // segments in flight per destination
  std::size_t dedup_window = 8192;  // message ids remembered per sender
  std::size_t max_senders = 4096;   // senders remembered; the least recent is forgotten first
};

struct Submission {
  std::uint64_t id = 0;
  crypto::NodeId to;
  wire::MessageType type{};
  wire::Priority priority{};
  Bytes payload;
  Instant created;
  Instant deadline;
  std::optional<std::uint64_t> reply_to;
};

// One chunk, ready for the transport.
struct Segment {
  std::uint64_t message_id = 0;
  crypto::NodeId to;
  wire::MessageType type{};
  wire::Priority priority{};
  Instant created;
  Instant deadline;
  Bytes bytes;  // envelope + data
};

struct Delivered {
  std::uint64_t id = 0;
  crypto::NodeId to;
  wire::Priority priority{};
  Duration latency;
};

struct Failed {
  std::uint64_t id = 0;
  crypto::NodeId to;
  wire::Priority priority{};
  std::string_view reason;  // static string
};

// What the node does with a segment that arrived.
struct Inbound {
  enum class Verdict : std::uint8_t {
    deliver,    // a whole new message: hand it over, acknowledge
    stored,     // a chunk kept for later: acknowledge
    duplicate,  // already delivered: acknowledge again, do not deliver
    hold,       // not yet (commit chunk early, or no memory): do not acknowledge
    drop,       // malformed: count `drop`, do not acknowledge
  };
  Verdict verdict = Verdict::drop;
  wire::Drop drop = wire::Drop::bad_envelope;
  std::uint64_t id = 0;
  std::optional<std::uint64_t> reply_to;
  Bytes payload;
};

struct PriorityStats {
  std::uint64_t sent = 0;       // accepted by send()
  std::uint64_t delivered = 0;  // acknowledged end to end
  std::uint64_t failed = 0;
  std::uint64_t rejected = 0;  // send() refused: queue full
  LatencyHistogram latency;    // send() to acknowledgement
};

struct MessagingStats {
  std::array<PriorityStats, 4> by_priority;  // by wire::Priority
  std::uint64_t received = 0;
  std::uint64_t duplicates = 0;  // suppressed at this receiver
  std::uint64_t held = 0;        // segments turned away unacknowledged (reassembly)
};

class Messenger {
 public:
  explicit Messenger(const MessengerConfig& config);

  // Queues a message; false if its priority's queue is full (back-pressure).
  bool submit(Submission s);
  // The next chunk to transmit, chosen by priority among destinations for
  // which `room` is true (their window has space and they can be reached).
  std::optional<Segment> next_segment(const std::function<bool(const crypto::NodeId&)>& room);
  // A segment of message `id` was acknowledged; the message when it was the last.
  std::optional<Delivered> on_segment_acked(Instant now, std::uint64_t id);
  // Message `id` cannot be delivered (a segment's deadline passed, ...): it
  // fails once; the caller cancels its other segments. nullopt if it had
  // already completed or failed.
  std::optional<Failed> fail(std::uint64_t id, std::string_view reason);
  // Fails every queued message whose deadline has passed.
  std::vector<Failed> take_expired(Instant now);
  // The earliest deadline of a message still queued.
  std::optional<Instant> next_deadline() const;
  bool has_queued() const { return queued_ > 0; }

  Inbound on_segment(Instant now, const crypto::NodeId& from, ByteView segment);
  // A message from `from` was already delivered (before a restart).
  void remember_delivered(const crypto::NodeId& from, std::uint64_t id);
  void on_tick(Instant now) { reassembly_.expire(now); }

  std::size_t window() const { return config_.window; }
  std::size_t pending() const { return pending_.size(); }
  const MessagingStats& stats() const { return stats_; }
  const Reassembly& reassembly() const { return reassembly_; }

 private:
  struct Pending {
    Submission s;
    std::uint32_t chunks = 1;
    std::uint32_t next_chunk = 0;  // chunks handed to the transport
    std::uint32_t acked = 0;
  };
  struct Sender {
    DedupWindow delivered;
    Instant last_seen;
  };
  PriorityStats& stats_of(wire::Priority p) { return stats_.by_priority[static_cast<std::size_t>(p)]; }
  void dequeue(Pending& p);
  Sender& sender(Instant now, const crypto::NodeId& from);

  MessengerConfig config_;
  Scheduler scheduler_;
  Reassembly reassembly_;
  std::unordered_map<std::uint64_t, Pending> pending_;  // until acked or failed
  std::size_t queued_ = 0;                              // of pending_, still with chunks to send
  std::map<crypto::NodeId, Sender> senders_;
  MessagingStats stats_;
};

}  // namespace hyphae::messaging
