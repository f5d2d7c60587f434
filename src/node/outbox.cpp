#include "node/outbox.hpp"

#include <algorithm>
#include <set>

#include "base/assert.hpp"

namespace hyphae::node {
namespace {
bool is_due(const OutgoingMessage& m, Instant now) { return !m.next_send || *m.next_send <= now; }
}  // namespace

void Outbox::add(OutgoingMessage m) {
  HYPHAE_ASSERT(!full());
  const auto id = m.id;
  in_flight_[m.segment.to] += 1;
  auto [it, inserted] = messages_.emplace(id, std::move(m));
  HYPHAE_ASSERT(inserted);
}

void Outbox::erase(std::map<std::uint64_t, OutgoingMessage>::iterator it) {
  auto n = in_flight_.find(it->second.segment.to);
  HYPHAE_ASSERT(n != in_flight_.end() && n->second > 0);
  if (--n->second == 0) in_flight_.erase(n);
  messages_.erase(it);
}

std::optional<OutgoingMessage> Outbox::remove(std::uint64_t id) {
  auto it = messages_.find(id);
  if (it == messages_.end()) return std::nullopt;
  OutgoingMessage m = std::move(it->second);
  erase(it);
  return m;
}

void Outbox::remove_message(std::uint64_t message_id) {
  for (auto it = messages_.begin(); it != messages_.end();) {
    auto next = std::next(it);
    if (it->second.segment.message_id == message_id) erase(it);
    it = next;
  }
}

std::size_t Outbox::in_flight(const crypto::NodeId& to) const {
  auto it = in_flight_.find(to);
  return it == in_flight_.end() ? 0 : it->second;
}

std::vector<OutgoingMessage*> Outbox::due(const crypto::NodeId& to, Instant now) {
  std::vector<OutgoingMessage*> out;
  for (auto& [id, m] : messages_) {
    if (m.segment.to == to && is_due(m, now)) out.push_back(&m);
  }
  // Ids grow with time, so (priority, id) is "most urgent first, then oldest".
  std::sort(out.begin(), out.end(), [](const OutgoingMessage* a, const OutgoingMessage* b) {
    return std::pair(a->segment.priority, a->id) < std::pair(b->segment.priority, b->id);
  });
  return out;
}

std::vector<OutgoingMessage> Outbox::take_expired(Instant now) {
  std::vector<OutgoingMessage> out;
  for (auto it = messages_.begin(); it != messages_.end();) {
    auto next = std::next(it);
    if (it->second.segment.deadline <= now) {
      out.push_back(std::move(it->second));
      erase(it);
    }
    it = next;
  }
  return out;
}

std::optional<Instant> Outbox::next_deadline(Instant now) const {
  std::optional<Instant> next;
  for (const auto& [id, m] : messages_) {
    Instant t =
        m.next_send && *m.next_send > now ? std::min(*m.next_send, m.segment.deadline) : m.segment.deadline;
    if (!next || t < *next) next = t;
  }
  return next;
}

std::vector<crypto::NodeId> Outbox::peers_due(Instant now) const {
  std::set<crypto::NodeId> peers;
  for (const auto& [id, m] : messages_) {
    if (m.next_send && *m.next_send <= now) peers.insert(m.segment.to);
  }
  return {peers.begin(), peers.end()};
}

}  // namespace hyphae::node
