// The application's header inside every transport message. The node's
// reliable transport (node::Outbox) carries segments of at most
// wire::kMaxMessagePayload bytes and knows nothing of what they mean; this
// envelope says which application message a segment belongs to (the same id in
// every chunk and across the sender's restarts, so the receiver can suppress
// duplicates end to end), which chunk it is, and which query it answers.
//
//   u8      flags        bit 0: reply_to follows; bit 1: chunked; others 0
//   u64     message_id
//   [u64    reply_to]
//   [varint chunk_index, varint chunk_count, varint total_size]   (chunked only)
//   ...     data         the rest of the segment
//
// Decoding is total: every malformed envelope is Drop::bad_envelope.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>

#include "base/bytes.hpp"
#include "base/result.hpp"
#include "wire/drop.hpp"
#include "wire/tlv.hpp"

namespace hyphae::messaging {

inline constexpr std::size_t kMaxMessageSize = std::size_t{16} << 20;  // 16 MiB, the bound
// flags + id + reply_to + three varints of at most 5 bytes each (values < 2^32).
inline constexpr std::size_t kMaxEnvelopeHeader = 1 + 8 + 8 + 3 * 5;
// Data bytes in every chunk but the last.
inline constexpr std::size_t kChunkSize = wire::kMaxMessagePayload - kMaxEnvelopeHeader;

struct Envelope {
  std::uint64_t message_id = 0;
  std::optional<std::uint64_t> reply_to;
  std::uint32_t chunk_index = 0;
  std::uint32_t chunk_count = 1;
  std::uint64_t total_size = 0;  // of the whole message's payload
  ByteView data;                 // points into the decoded segment
};

// Chunks a payload of `size` bytes travels in (at least one, even when empty).
std::uint32_t chunk_count_for(std::size_t size);

// Appends the envelope of chunk `index` of a message whose whole payload is
// `payload` (data is the slice of payload that chunk carries).
void encode_chunk(Bytes& out, std::uint64_t message_id, std::optional<std::uint64_t> reply_to,
                  ByteView payload, std::uint32_t index);

// The envelope in a segment. Checks that the chunk fields agree with each
// other and with the data length, so a receiver can trust them for sizing.
Result<Envelope, wire::Drop> decode_envelope(ByteView segment);

}  // namespace hyphae::messaging
