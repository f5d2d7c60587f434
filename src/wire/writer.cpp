#include "wire/writer.hpp"

namespace hyphae::wire {

template <class T>
void Writer::big_endian(T v) {
  for (std::size_t i = sizeof(T); i-- > 0;) out_->push_back(static_cast<std::uint8_t>(v >> (8 * i)));
}

void Writer::u8(std::uint8_t v) { out_->push_back(v); }
void Writer::u16(std::uint16_t v) { big_endian(v); }
void Writer::u32(std::uint32_t v) { big_endian(v); }
void Writer::u64(std::uint64_t v) { big_endian(v); }

void Writer::varint(std::uint64_t v) {
  while (v >= 0x80) {
    out_->push_back(static_cast<std::uint8_t>(v | 0x80));
    v >>= 7;
  }
  out_->push_back(static_cast<std::uint8_t>(v));
}

void Writer::bytes(ByteView b) { out_->insert(out_->end(), b.begin(), b.end()); }

}  // namespace hyphae::wire
