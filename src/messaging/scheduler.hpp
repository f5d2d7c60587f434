// Which queued message sends its next chunk. CRITICAL is served strictly
// first; HIGH, MEDIUM and LOW share what is left by weight (stride
// scheduling), so LOW is slowed under load but never starves. Each priority
// has a bounded queue: admit() says no when it is full, and the caller turns
// that into an error for the application (back-pressure, never a silent drop).
//
// The scheduler holds message ids only; the Messenger owns the messages. A
// message stays queued until its last chunk has been handed out.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <deque>
#include <functional>
#include <optional>

#include "wire/message_kind.hpp"

namespace hyphae::messaging {

struct SchedulerConfig {
  std::array<std::uint32_t, 3> weights{4, 2, 1};  // HIGH, MEDIUM, LOW
  std::size_t max_messages = 16384;               // per priority
  std::size_t max_bytes = std::size_t{64} << 20;  // per priority
  // How far into a queue pick() looks for a message whose destination can
  // take a chunk now (messages to a peer whose window is full wait in place).
  std::size_t scan_limit = 64;
};

class Scheduler {
 public:
  explicit Scheduler(const SchedulerConfig& config) : config_(config) {}

  bool admit(wire::Priority p, std::size_t bytes) const;
  void push(wire::Priority p, std::uint64_t id, std::size_t bytes);
  // The next message to send a chunk of, among those `ready` accepts; it
  // stays queued (call finish() when its last chunk is out).
  std::optional<std::uint64_t> pick(const std::function<bool(std::uint64_t)>& ready);
  // Removes a message (all chunks sent, cancelled or expired).
  void finish(wire::Priority p, std::uint64_t id, std::size_t bytes);

  std::size_t queued(wire::Priority p) const { return queues_[index(p)].ids.size(); }
  std::size_t queued_bytes(wire::Priority p) const { return queues_[index(p)].bytes; }

 private:
  struct Queue {
    std::deque<std::uint64_t> ids;
    std::size_t bytes = 0;
    std::uint64_t pass = 0;  // stride scheduling: served next when lowest
  };
  static std::size_t index(wire::Priority p) { return static_cast<std::size_t>(p); }
  std::optional<std::uint64_t> first_ready(Queue& q, const std::function<bool(std::uint64_t)>& ready) const;

  SchedulerConfig config_;
  std::array<Queue, 4> queues_;  // by wire::Priority: critical, high, medium, low
  std::uint64_t global_pass_ = 0;
};

}  // namespace hyphae::messaging
