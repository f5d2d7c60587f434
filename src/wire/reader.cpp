#include "wire/reader.hpp"

namespace hyphae::wire {

bool Reader::fail(Drop why) {
  if (!poisoned_) failure_ = why;  // keep the first cause: later ones are fallout
  poisoned_ = true;
  return false;
}

template <class T>
bool Reader::big_endian(T& out) {
  if (poisoned_ || in_.size() - pos_ < sizeof(T)) return fail(Drop::truncated);
  T v = 0;
  for (std::size_t i = 0; i < sizeof(T); ++i) v = static_cast<T>((v << 8) | in_[pos_ + i]);
  pos_ += sizeof(T);
  out = v;
  return true;
}

bool Reader::u8(std::uint8_t& out) { return big_endian(out); }
bool Reader::u16(std::uint16_t& out) { return big_endian(out); }
bool Reader::u32(std::uint32_t& out) { return big_endian(out); }
bool Reader::u64(std::uint64_t& out) { return big_endian(out); }

bool Reader::varint(std::uint64_t& out) {
  if (poisoned_) return fail(Drop::truncated);
  std::uint64_t v = 0;
  for (std::size_t i = 0; i < kMaxVarintSize; ++i) {
    if (pos_ + i >= in_.size()) return fail(Drop::truncated);
    const std::uint8_t b = in_[pos_ + i];
    // The 10th byte holds only bit 63: anything more overflows 64 bits (and a
    // continuation bit there would ask for an 11th byte).
    if (i == kMaxVarintSize - 1 && b > 1) return fail(Drop::bad_varint);
    v |= static_cast<std::uint64_t>(b & 0x7f) << (7 * i);
    if ((b & 0x80) == 0) {
      // A zero final byte after a continuation adds nothing: overlong. One
      // canonical encoding per value keeps re-encoding byte-identical.
      if (i > 0 && b == 0) return fail(Drop::bad_varint);
      pos_ += i + 1;
      out = v;
      return true;
    }
  }
  return fail(Drop::bad_varint);  // unreachable: the 10th byte check returns first
}

bool Reader::take(std::size_t n, ByteView& out) {
  if (poisoned_ || in_.size() - pos_ < n) return fail(Drop::truncated);
  out = in_.subspan(pos_, n);
  pos_ += n;
  return true;
}

ByteView Reader::rest() {
  if (poisoned_) return {};
  ByteView r = in_.subspan(pos_);
  pos_ = in_.size();
  return r;
}

}  // namespace hyphae::wire
