#include "messaging/envelope.hpp"

#include <algorithm>

#include "base/assert.hpp"
#include "wire/reader.hpp"
#include "wire/writer.hpp"

namespace hyphae::messaging {
namespace {

constexpr std::uint8_t kHasReplyTo = 1;
constexpr std::uint8_t kChunked = 2;
constexpr std::uint8_t kKnownFlags = kHasReplyTo | kChunked;

std::size_t chunk_size(std::uint64_t total, std::uint32_t index, std::uint32_t count) {
  if (index + 1 < count) return kChunkSize;
  return static_cast<std::size_t>(total - std::uint64_t{kChunkSize} * (count - 1));
}

}  // namespace

std::uint32_t chunk_count_for(std::size_t size) {
  HYPHAE_ASSERT(size <= kMaxMessageSize);
  return size == 0 ? 1 : static_cast<std::uint32_t>((size + kChunkSize - 1) / kChunkSize);
}

void encode_chunk(Bytes& out, std::uint64_t message_id, std::optional<std::uint64_t> reply_to,
                  ByteView payload, std::uint32_t index) {
  const std::uint32_t count = chunk_count_for(payload.size());
  HYPHAE_ASSERT(index < count);
  wire::Writer w(out);
  w.u8(static_cast<std::uint8_t>((reply_to ? kHasReplyTo : 0) | (count > 1 ? kChunked : 0)));
  w.u64(message_id);
  if (reply_to) w.u64(*reply_to);
  if (count > 1) {
    w.varint(index);
    w.varint(count);
    w.varint(payload.size());
  }
  const std::size_t begin = std::size_t{index} * kChunkSize;
  w.bytes(payload.subspan(begin, chunk_size(payload.size(), index, count)));
}

Result<Envelope, wire::Drop> decode_envelope(ByteView segment) {
  wire::Reader r(segment);
  Envelope e;
  std::uint8_t flags = 0;
  if (!r.u8(flags) || !r.u64(e.message_id)) return fail(wire::Drop::bad_envelope);
  if ((flags & ~kKnownFlags) != 0) return fail(wire::Drop::bad_envelope);
  if ((flags & kHasReplyTo) != 0) {
    std::uint64_t reply_to = 0;
    if (!r.u64(reply_to)) return fail(wire::Drop::bad_envelope);
    e.reply_to = reply_to;
  }
  if ((flags & kChunked) != 0) {
    std::uint64_t index = 0, count = 0, total = 0;
    if (!r.varint(index) || !r.varint(count) || !r.varint(total)) return fail(wire::Drop::bad_envelope);
    // A chunked message has at least two chunks, exactly as many as its size needs.
    if (total > kMaxMessageSize || total <= kChunkSize || count != chunk_count_for(total) || index >= count) {
      return fail(wire::Drop::bad_envelope);
    }
    e.chunk_index = static_cast<std::uint32_t>(index);
    e.chunk_count = static_cast<std::uint32_t>(count);
    e.total_size = total;
  }
  e.data = r.rest();
  if (r.poisoned()) return fail(wire::Drop::bad_envelope);
  if (e.chunk_count == 1) {
    if (e.data.size() > kChunkSize) return fail(wire::Drop::bad_envelope);
    e.total_size = e.data.size();
  } else if (e.data.size() != chunk_size(e.total_size, e.chunk_index, e.chunk_count)) {
    return fail(wire::Drop::bad_envelope);
  }
  return e;
}

}  // namespace hyphae::messaging
