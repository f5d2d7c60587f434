// libFuzzer: decode_tlvs is total, and what it accepts re-encodes to a frame
// that decodes to the same TLVs (Pad and skipped optional TLVs are dropped, so
// bytes may shrink but never the meaning). The re-encoding is then byte-stable.
#include <cstddef>
#include <cstdint>

#include "base/assert.hpp"
#include "wire/tlv.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace hyphae::wire;
  const hyphae::ByteView in(data, size);
  TlvArray first;
  auto n = decode_tlvs(in, first);
  if (!n) {
    HYPHAE_ASSERT(n.error() < Drop::count_);
    return 0;
  }
  HYPHAE_ASSERT(*n <= kMaxTlvsPerFrame);
  hyphae::Bytes again;
  for (std::size_t i = 0; i < *n; ++i) append_tlv(again, first[i]);
  HYPHAE_ASSERT(again.size() <= size);
  TlvArray second;
  auto m = decode_tlvs(again, second);
  HYPHAE_ASSERT(m.has_value());
  HYPHAE_ASSERT(*m == *n);
  for (std::size_t i = 0; i < *n; ++i) HYPHAE_ASSERT(first[i] == second[i]);
  hyphae::Bytes third;
  for (std::size_t i = 0; i < *m; ++i) append_tlv(third, second[i]);
  HYPHAE_ASSERT(third == again);
  return 0;
}
