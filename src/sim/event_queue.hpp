// The simulator's agenda: a min-heap of (virtual time, insertion sequence).
// Events at the same instant pop in the order they were pushed, so a run
// replays identically whatever the heap's internal layout does with ties.
#pragma once

#include <algorithm>
#include <cstdint>
#include <utility>
#include <vector>

#include "base/assert.hpp"
#include "base/time.hpp"

namespace hyphae::sim {

template <class T>
class EventQueue {
 public:
  struct Item {
    Instant at;
    std::uint64_t seq = 0;
    T value;
  };

  void push(Instant at, T value) {
    heap_.push_back(Item{at, next_seq_++, std::move(value)});
    std::push_heap(heap_.begin(), heap_.end(), Later{});
  }
  bool empty() const { return heap_.empty(); }
  std::size_t size() const { return heap_.size(); }
  // Earliest pending time; asserts !empty().
  Instant next_time() const {
    HYPHAE_ASSERT(!heap_.empty());
    return heap_.front().at;
  }
  // Removes and returns the earliest item (lowest sequence among equal times).
  Item pop() {
    HYPHAE_ASSERT(!heap_.empty());
    std::pop_heap(heap_.begin(), heap_.end(), Later{});
    Item item = std::move(heap_.back());
    heap_.pop_back();
    return item;
  }
  std::uint64_t pushed() const { return next_seq_; }

 private:
  struct Later {
    bool operator()(const Item& a, const Item& b) const { return a.at != b.at ? a.at > b.at : a.seq > b.seq; }
  };
  std::vector<Item> heap_;
  std::uint64_t next_seq_ = 0;
};

}  // namespace hyphae::sim
