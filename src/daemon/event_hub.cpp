#include "daemon/event_hub.hpp"

#include <algorithm>

#include "base/assert.hpp"

namespace hyphae::daemon {

std::optional<std::string> EventSubscription::pop() {
  if (queue_.empty()) return std::nullopt;
  std::string out = *queue_.front();
  queue_.pop_front();
  return out;
}

void EventSubscription::close() {
  closed_ = true;
  wake_ = nullptr;
  queue_.clear();
}

void EventSubscription::push(const std::shared_ptr<const std::string>& event) {
  if (closed_ || overflowed_) return;
  if (queue_.size() >= queue_max_) {
    // Cut off rather than wait or drop silently: a consumer that misses
    // events without knowing it would show a wrong picture of the mesh.
    overflowed_ = true;
    behind_ = queue_.size() + 1;
    queue_.clear();
  } else {
    queue_.push_back(event);
  }
  HYPHAE_ASSERT(queue_.size() <= queue_max_);
  if (wake_) wake_();
}

EventHub::EventHub(std::size_t queue_max, std::size_t subscribers_max)
    : queue_max_(queue_max), subscribers_max_(subscribers_max) {
  HYPHAE_ASSERT(queue_max > 0);
  HYPHAE_ASSERT(subscribers_max > 0);
}

std::shared_ptr<EventSubscription> EventHub::subscribe() {
  forget_closed();
  if (subscribers_.size() >= subscribers_max_) {
    counters_.rejected += 1;
    return nullptr;
  }
  // The constructor is private to keep queue_max the hub's; no make_shared.
  std::shared_ptr<EventSubscription> s(new EventSubscription(queue_max_));
  subscribers_.push_back(s);
  counters_.subscribed += 1;
  return s;
}

void EventHub::publish(const nlohmann::json& event) {
  counters_.published += 1;
  forget_closed();
  if (subscribers_.empty()) return;
  const auto text = std::make_shared<const std::string>(
      event.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace));
  for (const auto& s : subscribers_) {
    const bool was_overflowed = s->overflowed();
    s->push(text);
    if (!was_overflowed && s->overflowed()) counters_.dropped_slow += 1;
  }
  // An overflowed subscriber receives nothing more; it is forgotten now
  // rather than when its socket finishes closing.
  std::erase_if(subscribers_, [](const auto& s) { return s->overflowed(); });
}

std::size_t EventHub::subscribers() const {
  return static_cast<std::size_t>(
      std::count_if(subscribers_.begin(), subscribers_.end(), [](const auto& s) { return !s->closed(); }));
}

void EventHub::forget_closed() {
  std::erase_if(subscribers_, [](const auto& s) { return s->closed(); });
}

nlohmann::json stream_event(std::string_view type, std::string_view ts, std::string_view node_id,
                            nlohmann::json data, std::uint64_t seq) {
  return {{"type", type}, {"ts", ts}, {"node_id", node_id}, {"data", std::move(data)}, {"seq", seq}};
}

}  // namespace hyphae::daemon
