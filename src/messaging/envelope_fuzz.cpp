// libFuzzer: arbitrary bytes as a segment's envelope. Decoding is total; a
// decoded chunk's fields agree with each other; and a Messenger fed the
// bytes (as any sender) neither crashes nor grows beyond its budget.
#include <cstddef>
#include <cstdint>

#include "base/assert.hpp"
#include "messaging/envelope.hpp"
#include "messaging/messenger.hpp"

using namespace hyphae;
using namespace hyphae::messaging;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const ByteView in(data, size);
  if (auto e = decode_envelope(in)) {
    HYPHAE_ASSERT(e->chunk_index < e->chunk_count);
    HYPHAE_ASSERT(e->total_size <= kMaxMessageSize);
    HYPHAE_ASSERT(e->chunk_count == chunk_count_for(static_cast<std::size_t>(e->total_size)));
  }
  static Messenger messenger{
      MessengerConfig{.reassembly = {.max_bytes = 1 << 20, .max_bytes_per_sender = 1 << 19}}};
  crypto::NodeId from{};
  if (size > 0) from.bytes[0] = data[0];
  (void)messenger.on_segment(Instant{static_cast<std::int64_t>(size)}, from, in);
  HYPHAE_ASSERT(messenger.reassembly().bytes() <= (1 << 20));
  return 0;
}
