#include "messaging/messenger.hpp"

#include <algorithm>

#include "base/assert.hpp"

namespace hyphae::messaging {

Messenger::Messenger(const MessengerConfig& config)
    : config_(config), scheduler_(config.scheduler), reassembly_(config.reassembly) {}

bool Messenger::submit(Submission s) {
  HYPHAE_ASSERT(s.payload.size() <= kMaxMessageSize);
  HYPHAE_ASSERT(!pending_.contains(s.id));
  if (!scheduler_.admit(s.priority, s.payload.size())) {
    stats_of(s.priority).rejected += 1;
    return false;
  }
  stats_of(s.priority).sent += 1;
  scheduler_.push(s.priority, s.id, s.payload.size());
  const auto chunks = chunk_count_for(s.payload.size());
  const auto id = s.id;
  pending_.emplace(id, Pending{.s = std::move(s), .chunks = chunks});
  queued_ += 1;
  return true;
}

std::optional<Segment> Messenger::next_segment(const std::function<bool(const crypto::NodeId&)>& room) {
  if (queued_ == 0) return std::nullopt;
  auto picked = scheduler_.pick([&](std::uint64_t id) { return room(pending_.at(id).s.to); });
  if (!picked) return std::nullopt;
  Pending& p = pending_.at(*picked);
  Segment seg{.message_id = p.s.id,
              .to = p.s.to,
              .type = p.s.type,
              .priority = p.s.priority,
              .created = p.s.created,
              .deadline = p.s.deadline,
              .bytes = {}};
  encode_chunk(seg.bytes, p.s.id, p.s.reply_to, p.s.payload, p.next_chunk);
  p.next_chunk += 1;
  if (p.next_chunk == p.chunks) dequeue(p);
  return seg;
}

void Messenger::dequeue(Pending& p) {
  scheduler_.finish(p.s.priority, p.s.id, p.s.payload.size());
  queued_ -= 1;
  // Every chunk is with the transport now, which keeps its own copy until acked.
  p.s.payload = Bytes();
}

std::optional<Delivered> Messenger::on_segment_acked(Instant now, std::uint64_t id) {
  auto it = pending_.find(id);
  if (it == pending_.end()) return std::nullopt;
  Pending& p = it->second;
  p.acked += 1;
  if (p.acked < p.chunks) return std::nullopt;
  Delivered d{.id = id, .to = p.s.to, .priority = p.s.priority, .latency = now - p.s.created};
  auto& st = stats_of(p.s.priority);
  st.delivered += 1;
  st.latency.record(d.latency);
  pending_.erase(it);
  return d;
}

std::optional<Failed> Messenger::fail(std::uint64_t id, std::string_view reason) {
  auto it = pending_.find(id);
  if (it == pending_.end()) return std::nullopt;
  Pending& p = it->second;
  if (p.next_chunk < p.chunks) dequeue(p);
  Failed f{.id = id, .to = p.s.to, .priority = p.s.priority, .reason = reason};
  stats_of(p.s.priority).failed += 1;
  pending_.erase(it);
  return f;
}

std::vector<Failed> Messenger::take_expired(Instant now) {
  std::vector<std::uint64_t> expired;
  for (const auto& [id, p] : pending_) {
    if (p.s.deadline <= now) expired.push_back(id);
  }
  std::sort(expired.begin(), expired.end());  // deterministic order
  std::vector<Failed> out;
  for (auto id : expired) {
    if (auto f = fail(id, "deadline")) out.push_back(*f);
  }
  return out;
}

std::optional<Instant> Messenger::next_deadline() const {
  std::optional<Instant> next;
  for (const auto& [id, p] : pending_) {
    if (!next || p.s.deadline < *next) next = p.s.deadline;
  }
  return next;
}

Messenger::Sender& Messenger::sender(Instant now, const crypto::NodeId& from) {
  auto it = senders_.find(from);
  if (it == senders_.end()) {
    if (senders_.size() >= config_.max_senders) {
      auto oldest = std::min_element(senders_.begin(), senders_.end(), [](const auto& a, const auto& b) {
        return a.second.last_seen < b.second.last_seen;
      });
      senders_.erase(oldest);
    }
    it = senders_.emplace(from, Sender{.delivered = DedupWindow(config_.dedup_window), .last_seen = now})
             .first;
  }
  it->second.last_seen = std::max(it->second.last_seen, now);
  return it->second;
}

void Messenger::remember_delivered(const crypto::NodeId& from, std::uint64_t id) {
  auto& s = sender(Instant{}, from);
  s.delivered.insert(id);
}

Inbound Messenger::on_segment(Instant now, const crypto::NodeId& from, ByteView segment) {
  auto env = decode_envelope(segment);
  if (!env) return Inbound{.verdict = Inbound::Verdict::drop, .drop = env.error()};
  Inbound in{.verdict = Inbound::Verdict::deliver, .id = env->message_id, .reply_to = env->reply_to};
  Sender& s = sender(now, from);
  if (s.delivered.contains(env->message_id)) {
    stats_.duplicates += 1;
    in.verdict = Inbound::Verdict::duplicate;
    return in;
  }
  if (env->chunk_count == 1) {
    in.payload.assign(env->data.begin(), env->data.end());
  } else {
    auto out = reassembly_.accept(now, from, *env);
    switch (out.verdict) {
      case Reassembly::Verdict::stored:
        in.verdict = Inbound::Verdict::stored;
        return in;
      case Reassembly::Verdict::waiting:
      case Reassembly::Verdict::refused:
        stats_.held += 1;
        in.verdict = Inbound::Verdict::hold;
        return in;
      case Reassembly::Verdict::complete:
        in.payload = std::move(out.payload);
        break;
    }
  }
  s.delivered.insert(env->message_id);
  stats_.received += 1;
  return in;
}

}  // namespace hyphae::messaging
