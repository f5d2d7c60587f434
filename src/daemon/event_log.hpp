// The last membership and alert events, for GET /api/mesh/events/recent (the
// WebSocket stream, event_hub.hpp, carries the same events live). Bounded:
// the oldest is dropped.
#pragma once

#include <cstdint>
#include <deque>
#include <nlohmann/json.hpp>
#include <string>

namespace hyphae::daemon {

struct LoggedEvent {
  std::uint64_t seq = 0;  // 1, 2, ... since the daemon started
  std::string time;       // RFC 3339, UTC
  std::string type;       // "node.discovered", "node.failed", ...
  std::string node_id;
  std::string address;
  std::uint64_t incarnation = 0;
  nlohmann::json data;  // alert events: the alert; null (and left out) for node events
};

class EventLog {
 public:
  static constexpr std::size_t kCapacity = 1000;

  // Returns the event's seq.
  std::uint64_t add(LoggedEvent e) {
    e.seq = ++last_seq_;
    events_.push_back(std::move(e));
    if (events_.size() > kCapacity) events_.pop_front();
    return last_seq_;
  }
  // Events with seq > after, oldest first.
  nlohmann::json recent(std::uint64_t after = 0) const {
    auto out = nlohmann::json::array();
    for (const auto& e : events_) {
      if (e.seq <= after) continue;
      nlohmann::json j{{"seq", e.seq},         {"time", e.time},       {"type", e.type},
                       {"node_id", e.node_id}, {"address", e.address}, {"incarnation", e.incarnation}};
      if (!e.data.is_null()) j["data"] = e.data;
      out.push_back(std::move(j));
    }
    return out;
  }
  std::size_t size() const { return events_.size(); }
  std::uint64_t last_seq() const { return last_seq_; }

 private:
  std::deque<LoggedEvent> events_;
  std::uint64_t last_seq_ = 0;
};

}  // namespace hyphae::daemon
