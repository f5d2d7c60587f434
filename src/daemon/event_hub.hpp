// Fan-out of daemon events to WebSocket subscribers (GET /api/mesh/events).
// No sockets here: a subscriber is a bounded queue the socket code drains.
//
// The node never waits for a subscriber. publish() appends to each queue and
// returns; a subscriber whose queue would grow past `queue_max` is cut off
// (its queue is dropped, overflowed() turns true and its wake callback runs),
// and the socket code closes it with "slow consumer: N events behind".
#pragma once

#include <cstddef>
#include <cstdint>
#include <deque>
#include <functional>
#include <memory>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

namespace hyphae::daemon {

class EventSubscription {
 public:
  // Next event to send (one JSON text), oldest first; nullopt when empty.
  std::optional<std::string> pop();
  bool overflowed() const { return overflowed_; }
  // Events queued and not yet sent when it overflowed (for the close reason).
  std::size_t behind() const { return behind_; }
  std::size_t queued() const { return queue_.size(); }
  // Called when an event is queued or the subscription overflows. Runs inside
  // publish(): it must only schedule work (e.g. cancel a timer), never send.
  void set_wake(std::function<void()> wake) { wake_ = std::move(wake); }
  // The subscriber is gone: the hub forgets it at its next publish.
  void close();
  bool closed() const { return closed_; }

 private:
  friend class EventHub;
  explicit EventSubscription(std::size_t queue_max) : queue_max_(queue_max) {}
  void push(const std::shared_ptr<const std::string>& event);

  std::size_t queue_max_;
  std::deque<std::shared_ptr<const std::string>> queue_;
  std::function<void()> wake_;
  std::size_t behind_ = 0;
  bool overflowed_ = false;
  bool closed_ = false;
};

struct EventHubCounters {
  std::uint64_t published = 0;     // events published
  std::uint64_t subscribed = 0;    // subscriptions accepted
  std::uint64_t rejected = 0;      // refused: subscribers_max reached
  std::uint64_t dropped_slow = 0;  // cut off: queue overflowed
};

class EventHub {
 public:
  EventHub(std::size_t queue_max, std::size_t subscribers_max);

  // nullptr when subscribers_max subscribers are connected.
  std::shared_ptr<EventSubscription> subscribe();
  // Serialises once and queues the text for every subscriber.
  void publish(const nlohmann::json& event);
  std::size_t subscribers() const;
  const EventHubCounters& counters() const { return counters_; }
  std::size_t queue_max() const { return queue_max_; }

 private:
  void forget_closed();

  std::size_t queue_max_;
  std::size_t subscribers_max_;
  std::vector<std::shared_ptr<EventSubscription>> subscribers_;
  EventHubCounters counters_;
};

// {"type", "ts", "node_id", "data", "seq"} as the WebSocket stream sends it.
// `seq` is the event log's (0 for events the log does not keep).
nlohmann::json stream_event(std::string_view type, std::string_view ts, std::string_view node_id,
                            nlohmann::json data, std::uint64_t seq);

}  // namespace hyphae::daemon
