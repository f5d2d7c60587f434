// Remembers the last `capacity` message ids seen from one peer, so a
// retransmitted message whose ack was lost is acknowledged again but handed to
// the application only once. Bounded: the oldest id is forgotten first.
#pragma once

#include <cstdint>
#include <deque>
#include <unordered_set>

namespace hyphae::messaging {

class DedupWindow {
 public:
  explicit DedupWindow(std::size_t capacity) : capacity_(capacity) {}

  // True if `id` is new (and now remembered); false for a duplicate.
  bool insert(std::uint64_t id) {
    if (seen_.contains(id)) return false;
    seen_.insert(id);
    order_.push_back(id);
    if (order_.size() > capacity_) {
      seen_.erase(order_.front());
      order_.pop_front();
    }
    return true;
  }
  bool contains(std::uint64_t id) const { return seen_.contains(id); }
  std::size_t size() const { return order_.size(); }

 private:
  std::size_t capacity_;
  std::unordered_set<std::uint64_t> seen_;
  std::deque<std::uint64_t> order_;
};

}  // namespace hyphae::messaging
