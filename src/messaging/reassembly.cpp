#include "messaging/reassembly.hpp"

#include "base/assert.hpp"

namespace hyphae::messaging {

Reassembly::Outcome Reassembly::accept(Instant now, const crypto::NodeId& from, const Envelope& e) {
  HYPHAE_ASSERT(e.chunk_count > 1 && e.chunk_index < e.chunk_count);
  const Key key{from, e.message_id};
  auto it = partial_.find(key);
  const bool commit = e.chunk_index + 1 == e.chunk_count;
  if (it != partial_.end() && (it->second.total_size != e.total_size)) {
    // Same id, different shape: a confused or hostile sender. Start over.
    forget(it);
    it = partial_.end();
  }
  if (commit) {
    if (it == partial_.end() || it->second.have + 1 != e.chunk_count) return {Verdict::waiting, {}};
    Partial& p = it->second;
    Bytes whole;
    whole.reserve(p.total_size);
    for (std::uint32_t i = 0; i + 1 < e.chunk_count; ++i)
      whole.insert(whole.end(), p.chunks[i].begin(), p.chunks[i].end());
    whole.insert(whole.end(), e.data.begin(), e.data.end());
    HYPHAE_ASSERT(whole.size() == e.total_size);  // decode_envelope checked every chunk's length
    forget(it);
    return {Verdict::complete, std::move(whole)};
  }
  if (it != partial_.end() && !it->second.chunks[e.chunk_index].empty()) {
    it->second.last_chunk = now;
    return {Verdict::stored, {}};
  }
  // The chunk table of a new message counts too, or many one-chunk-old
  // "16 MiB" messages would cost far more than the bytes that came in.
  const std::size_t table = it == partial_.end() ? (e.chunk_count - 1) * sizeof(Bytes) : 0;
  const std::size_t cost = table + e.data.size();
  std::size_t& sender_bytes = bytes_by_sender_[from];
  if (bytes_ + cost > config_.max_bytes || sender_bytes + cost > config_.max_bytes_per_sender) {
    if (sender_bytes == 0) bytes_by_sender_.erase(from);
    return {Verdict::refused, {}};
  }
  if (it == partial_.end()) {
    it = partial_.emplace(key, Partial{.total_size = e.total_size, .chunks = {}, .last_chunk = now}).first;
    it->second.chunks.resize(e.chunk_count - 1);
  }
  Partial& p = it->second;
  p.chunks[e.chunk_index].assign(e.data.begin(), e.data.end());
  p.have += 1;
  p.bytes += cost;
  p.last_chunk = now;
  bytes_ += cost;
  sender_bytes += cost;
  return {Verdict::stored, {}};
}

std::size_t Reassembly::expire(Instant now) {
  std::size_t n = 0;
  for (auto it = partial_.begin(); it != partial_.end();) {
    auto next = std::next(it);
    if (now - it->second.last_chunk >= config_.idle_timeout) {
      forget(it);
      ++n;
    }
    it = next;
  }
  return n;
}

void Reassembly::forget(std::map<Key, Partial>::iterator it) {
  auto s = bytes_by_sender_.find(it->first.first);
  HYPHAE_ASSERT(s != bytes_by_sender_.end() || it->second.bytes == 0);
  if (s != bytes_by_sender_.end()) {
    s->second -= it->second.bytes;
    if (s->second == 0) bytes_by_sender_.erase(s);
  }
  bytes_ -= it->second.bytes;
  partial_.erase(it);
}

}  // namespace hyphae::messaging
