// A bounds-checked big-endian cursor over peer bytes (after QUICHE's
// QuicheDataReader). Every read returns false instead of reading past the end;
// the first failure poisons the reader so later reads fail too and a decoder
// can check once at the end. failure() says why, so decoders can report
// truncated vs bad_varint without re-parsing.
#pragma once

#include <cstddef>
#include <cstdint>

#include "base/bytes.hpp"
#include "wire/drop.hpp"

namespace hyphae::wire {

// Unsigned LEB128 never needs more than 10 bytes for 64 bits.
inline constexpr std::size_t kMaxVarintSize = 10;

class Reader {
 public:
  explicit Reader(ByteView in) : in_(in) {}

  [[nodiscard]] bool u8(std::uint8_t& out);
  [[nodiscard]] bool u16(std::uint16_t& out);
  [[nodiscard]] bool u32(std::uint32_t& out);
  [[nodiscard]] bool u64(std::uint64_t& out);
  // Unsigned LEB128; rejects overlong encodings and values above 2^64-1
  // (failure() == bad_varint) and running out of input (truncated).
  [[nodiscard]] bool varint(std::uint64_t& out);
  // A view of the next n bytes, pointing into the input.
  [[nodiscard]] bool take(std::size_t n, ByteView& out);
  // Everything left (empty if poisoned); consumes it.
  ByteView rest();

  // All bytes consumed and no read failed.
  [[nodiscard]] bool done() const { return !poisoned_ && pos_ == in_.size(); }
  [[nodiscard]] bool poisoned() const { return poisoned_; }
  [[nodiscard]] std::size_t remaining() const { return poisoned_ ? 0 : in_.size() - pos_; }
  // Why the first failed read failed; truncated if none failed.
  [[nodiscard]] Drop failure() const { return failure_; }

 private:
  bool fail(Drop why);
  template <class T>
  bool big_endian(T& out);

  ByteView in_;
  std::size_t pos_ = 0;
  bool poisoned_ = false;
  Drop failure_ = Drop::truncated;
};

}  // namespace hyphae::wire
