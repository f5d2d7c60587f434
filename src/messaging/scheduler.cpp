#include "messaging/scheduler.hpp"

#include <algorithm>

#include "base/assert.hpp"

namespace hyphae::messaging {
namespace {
constexpr std::uint64_t kStride = 1 << 20;  // divided by a weight: a class's step per chunk served
}  // namespace

bool Scheduler::admit(wire::Priority p, std::size_t bytes) const {
  const Queue& q = queues_[index(p)];
  return q.ids.size() < config_.max_messages && q.bytes + bytes <= config_.max_bytes;
}

void Scheduler::push(wire::Priority p, std::uint64_t id, std::size_t bytes) {
  Queue& q = queues_[index(p)];
  // A class that was idle starts level with the others: idling earns no
  // credit, or a burst of LOW after a quiet minute would starve HIGH.
  if (q.ids.empty()) q.pass = std::max(q.pass, global_pass_);
  q.ids.push_back(id);
  q.bytes += bytes;
}

std::optional<std::uint64_t> Scheduler::first_ready(Queue& q,
                                                    const std::function<bool(std::uint64_t)>& ready) const {
  const std::size_t n = std::min(q.ids.size(), config_.scan_limit);
  for (std::size_t i = 0; i < n; ++i) {
    if (ready(q.ids[i])) return q.ids[i];
  }
  return std::nullopt;
}

std::optional<std::uint64_t> Scheduler::pick(const std::function<bool(std::uint64_t)>& ready) {
  if (auto id = first_ready(queues_[index(wire::Priority::critical)], ready)) return id;
  Queue* best = nullptr;
  std::optional<std::uint64_t> best_id;
  for (std::size_t i = 1; i < queues_.size(); ++i) {
    Queue& q = queues_[i];
    if (q.ids.empty() || (best != nullptr && q.pass >= best->pass)) continue;
    if (auto id = first_ready(q, ready)) {
      best = &q;
      best_id = id;
    }
  }
  if (best == nullptr) return std::nullopt;
  const auto weight = config_.weights[static_cast<std::size_t>(best - &queues_[1])];
  global_pass_ = best->pass;
  best->pass += kStride / std::max<std::uint32_t>(weight, 1);
  return best_id;
}

void Scheduler::finish(wire::Priority p, std::uint64_t id, std::size_t bytes) {
  Queue& q = queues_[index(p)];
  auto it = std::find(q.ids.begin(), q.ids.end(), id);
  if (it == q.ids.end()) return;
  q.ids.erase(it);
  HYPHAE_ASSERT(q.bytes >= bytes);
  q.bytes -= bytes;
}

}  // namespace hyphae::messaging
