// libFuzzer: decode_packet is total, and what it accepts re-encodes to the
// same bytes (the encoding is canonical).
#include <cstddef>
#include <cstdint>

#include "base/assert.hpp"
#include "wire/packet.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace hyphae::wire;
  const hyphae::ByteView in(data, size);
  auto p = decode_packet(in);
  if (!p) {
    HYPHAE_ASSERT(p.error() < Drop::count_);
    return 0;
  }
  const hyphae::Bytes again = encode(*p);
  HYPHAE_ASSERT(again.size() == size);
  HYPHAE_ASSERT(std::equal(again.begin(), again.end(), data));
  return 0;
}
