#include "wire/reader.hpp"

#include <gtest/gtest.h>
#include <rapidcheck/gtest.h>

#include <limits>

#include "base/hex.hpp"
#include "wire/writer.hpp"

namespace hyphae::wire {
namespace {

Bytes hex(std::string_view s) { return *from_hex(s); }

TEST(Reader, ReadsBigEndianAndTracksRemaining) {
  const Bytes in =
      hex("01"
          "0203"
          "04050607"
          "08090a0b0c0d0e0f"
          "aabb");
  Reader r{in};
  std::uint8_t a = 0;
  std::uint16_t b = 0;
  std::uint32_t c = 0;
  std::uint64_t d = 0;
  ASSERT_TRUE(r.u8(a) && r.u16(b) && r.u32(c) && r.u64(d));
  EXPECT_EQ(a, 0x01);
  EXPECT_EQ(b, 0x0203);
  EXPECT_EQ(c, 0x04050607u);
  EXPECT_EQ(d, 0x08090a0b0c0d0e0full);
  EXPECT_EQ(r.remaining(), 2u);
  EXPECT_FALSE(r.done());
  ByteView rest = r.rest();
  EXPECT_EQ(Bytes(rest.begin(), rest.end()), hex("aabb"));
  EXPECT_TRUE(r.done());
}

TEST(Reader, FailedReadPoisonsAndLaterReadsFail) {
  const Bytes in = hex("0102");
  Reader r{in};
  std::uint32_t x = 7;
  EXPECT_FALSE(r.u32(x));
  EXPECT_EQ(x, 7u);  // out untouched on failure
  EXPECT_TRUE(r.poisoned());
  EXPECT_EQ(r.failure(), Drop::truncated);
  std::uint8_t y = 0;
  EXPECT_FALSE(r.u8(y));  // the two bytes are still there, but the reader is spent
  EXPECT_EQ(r.remaining(), 0u);
  EXPECT_TRUE(r.rest().empty());
  EXPECT_FALSE(r.done());
}

TEST(Reader, TakeIsBoundsChecked) {
  const Bytes in = hex("010203");
  Reader r{in};
  ByteView v;
  ASSERT_TRUE(r.take(2, v));
  EXPECT_EQ(v.data(), in.data());  // a view into the input, not a copy
  EXPECT_FALSE(r.take(2, v));
  Reader huge{in};
  EXPECT_FALSE(huge.take(std::numeric_limits<std::size_t>::max(), v));
  Reader empty{ByteView{}};
  EXPECT_TRUE(empty.done());
  EXPECT_TRUE(empty.take(0, v));
}

TEST(Writer, WritesBigEndian) {
  Bytes out;
  Writer w{out};
  w.u8(0x01);
  w.u16(0x0203);
  w.u32(0x04050607);
  w.u64(0x08090a0b0c0d0e0f);
  w.bytes(hex("aabb"));
  EXPECT_EQ(out, hex("01"
                     "0203"
                     "04050607"
                     "08090a0b0c0d0e0f"
                     "aabb"));
  EXPECT_EQ(w.size(), out.size());
}

struct VarintCase {
  std::uint64_t value;
  const char* hex;
};

TEST(Varint, CanonicalEncodings) {
  const VarintCase cases[] = {
      {0, "00"},
      {1, "01"},
      {127, "7f"},
      {128, "8001"},
      {300, "ac02"},
      {16383, "ff7f"},
      {16384, "808001"},
      {(1ull << 63), "80808080808080808001"},
      {std::numeric_limits<std::uint64_t>::max(), "ffffffffffffffffff01"},
  };
  for (const auto& c : cases) {
    Bytes out;
    Writer{out}.varint(c.value);
    EXPECT_EQ(to_hex(out), c.hex) << c.value;
    EXPECT_EQ(varint_size(c.value), out.size()) << c.value;
    Reader r{out};
    std::uint64_t v = 0;
    ASSERT_TRUE(r.varint(v)) << c.hex;
    EXPECT_EQ(v, c.value);
    EXPECT_TRUE(r.done());
  }
}

TEST(Varint, RejectsOverlong) {
  // A zero final byte after a continuation byte adds no bits.
  for (const char* bad : {"8000", "ff00", "808000", "ff8000", "80808080808080808000"}) {
    const Bytes in = *from_hex(bad);
    Reader r{in};
    std::uint64_t v = 0;
    EXPECT_FALSE(r.varint(v)) << bad;
    EXPECT_EQ(r.failure(), Drop::bad_varint) << bad;
  }
}

TEST(Varint, RejectsOverflowBeyond64Bits) {
  // 10th byte may only carry bit 63.
  for (const char* bad : {"ffffffffffffffffff02", "ffffffffffffffffff7f", "ffffffffffffffffff81",
                          "8080808080808080808001", "ffffffffffffffffffff01"}) {
    const Bytes in = *from_hex(bad);
    Reader r{in};
    std::uint64_t v = 0;
    EXPECT_FALSE(r.varint(v)) << bad;
    EXPECT_EQ(r.failure(), Drop::bad_varint) << bad;
  }
}

TEST(Varint, TruncatedIsNotBadVarint) {
  for (const char* cut : {"", "80", "ff", "8080", "ffffffffffffffffff"}) {
    const Bytes in = *from_hex(cut);
    Reader r{in};
    std::uint64_t v = 0;
    EXPECT_FALSE(r.varint(v)) << cut;
    EXPECT_EQ(r.failure(), Drop::truncated) << cut;
  }
}

RC_GTEST_PROP(Varint, RoundTripsAnyValue, (std::uint64_t value, std::uint8_t shift)) {
  const std::uint64_t v = value >> (shift % 64);  // spread over all lengths
  Bytes out;
  Writer{out}.varint(v);
  RC_ASSERT(out.size() == varint_size(v));
  RC_ASSERT(out.size() <= kMaxVarintSize);
  Reader r{out};
  std::uint64_t back = 0;
  RC_ASSERT(r.varint(back));
  RC_ASSERT(back == v);
  RC_ASSERT(r.done());
}

// Every accepted encoding is the canonical one, so decode∘encode is the identity on bytes.
RC_GTEST_PROP(Varint, AcceptedEncodingsAreCanonical, (const Bytes& in)) {
  Reader r{in};
  std::uint64_t v = 0;
  if (!r.varint(v)) {
    RC_ASSERT(r.failure() == Drop::truncated || r.failure() == Drop::bad_varint);
    return;
  }
  Bytes out;
  Writer{out}.varint(v);
  RC_ASSERT(Bytes(in.begin(), in.begin() + static_cast<std::ptrdiff_t>(out.size())) == out);
  RC_ASSERT(r.remaining() == in.size() - out.size());
}

}  // namespace
}  // namespace hyphae::wire
