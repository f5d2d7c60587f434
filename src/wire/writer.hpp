// Appends big-endian integers, varints and bytes to a caller-owned buffer, so
// the hot path can reuse one Bytes per datagram. Writing cannot fail; bounds
// are the encoder's obligation and are asserted there.
#pragma once

#include <cstddef>
#include <cstdint>

#include "base/bytes.hpp"

namespace hyphae::wire {

// Bytes unsigned LEB128 takes for v (1..10).
constexpr std::size_t varint_size(std::uint64_t v) {
  std::size_t n = 1;
  while (v >= 0x80) {
    v >>= 7;
    ++n;
  }
  return n;
}

class Writer {
 public:
  explicit Writer(Bytes& out) : out_(&out) {}

  void u8(std::uint8_t v);
  void u16(std::uint16_t v);
  void u32(std::uint32_t v);
  void u64(std::uint64_t v);
  void varint(std::uint64_t v);  // canonical (shortest) unsigned LEB128
  void bytes(ByteView b);

  [[nodiscard]] std::size_t size() const { return out_->size(); }

 private:
  template <class T>
  void big_endian(T v);

  Bytes* out_;
};

}  // namespace hyphae::wire
