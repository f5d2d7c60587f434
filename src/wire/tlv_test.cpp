#include "wire/tlv.hpp"

#include <gtest/gtest.h>
#include <rapidcheck/gtest.h>

#include "base/hex.hpp"
#include "wire/test_gen.hpp"

namespace hyphae::wire {
namespace {

Bytes hex(std::string_view s) { return *from_hex(s); }

Drop drop_of(const Bytes& frame) {
  TlvArray out;
  auto n = decode_tlvs(frame, out);
  EXPECT_FALSE(n.has_value());
  return n ? Drop::count_ : n.error();
}

std::vector<Tlv> decode_ok(const Bytes& frame) {
  TlvArray out;
  auto n = decode_tlvs(frame, out);
  EXPECT_TRUE(n.has_value()) << (n ? "" : name(n.error()));
  if (!n) return {};
  return {out.begin(), out.begin() + static_cast<std::ptrdiff_t>(*n)};
}

// Golden encodings: these bytes are docs/protocol.md's examples.
TEST(Tlv, Layouts) {
  const Bytes payload = hex("6869");
  struct Case {
    Tlv tlv;
    const char* hex;
  } cases[] = {
      {Ping{0x0102030405060708},
       "0108"
       "0102030405060708"},
      {Pong{1},
       "0208"
       "0000000000000001"},
      {Message{7, MessageType::query, Priority::high, payload},
       "030c"
       "0000000000000007"
       "02"
       "01"
       "6869"},
      {MessageAck{7},
       "0408"
       "0000000000000007"},
      {Hello{9900, 0x00000003},
       "0506"
       "26ac"
       "00000003"},
      {Close{2},
       "0601"
       "02"},
  };
  for (const auto& c : cases) {
    Bytes out;
    append_tlv(out, c.tlv);
    EXPECT_EQ(to_hex(out), c.hex);
    EXPECT_EQ(encoded_size(c.tlv), out.size());
    auto back = decode_ok(out);
    ASSERT_EQ(back.size(), 1u);
    EXPECT_EQ(back[0], c.tlv);
  }
}

TEST(Tlv, EmptyFrameIsValid) { EXPECT_TRUE(decode_ok({}).empty()); }

TEST(Tlv, PadAndUnknownOptionalAreSkipped) {
  Bytes frame;
  append_pad(frame, 0);
  append_pad(frame, 200);                               // 2-byte length varint
  frame.insert(frame.end(), {0x40, 0x02, 0xde, 0xad});  // type 64, optional
  frame.insert(frame.end(), {0xff, 0x7f, 0x00});        // type 16383, empty value
  append_tlv(frame, Ping{5});
  EXPECT_EQ(decode_ok(frame), std::vector<Tlv>{Ping{5}});
}

TEST(Tlv, UnknownCriticalDropsTheWholeFrame) {
  Bytes frame;
  append_tlv(frame, Ping{5});
  frame.insert(frame.end(), {0x0b, 0x00});  // type 11: critical, unknown to v1
  EXPECT_EQ(drop_of(frame), Drop::unknown_critical_tlv);
  EXPECT_EQ(drop_of(hex("3f00")), Drop::unknown_critical_tlv);  // 63: last critical type
}

TEST(Tlv, Truncation) {
  EXPECT_EQ(drop_of(hex("01")), Drop::truncated);  // no length
  EXPECT_EQ(drop_of(hex("80")), Drop::truncated);  // type varint cut
  EXPECT_EQ(drop_of(hex("0108"
                        "01020304")),
            Drop::truncated);                                          // value shorter than length
  EXPECT_EQ(drop_of(hex("40ffffffffffffffffff01")), Drop::truncated);  // huge length, even if optional
}

TEST(Tlv, BadVarints) {
  EXPECT_EQ(drop_of(hex("8100"
                        "00")),
            Drop::bad_varint);  // overlong type
  EXPECT_EQ(drop_of(hex("00"
                        "8000")),
            Drop::bad_varint);  // overlong length
  EXPECT_EQ(drop_of(hex("ffffffffffffffffff02"
                        "00")),
            Drop::bad_varint);
}

TEST(Tlv, WrongLengthsAreBadValue) {
  EXPECT_EQ(drop_of(hex("0107"
                        "01020304050607")),
            Drop::bad_value);
  EXPECT_EQ(drop_of(hex("0209"
                        "010203040506070809")),
            Drop::bad_value);
  EXPECT_EQ(drop_of(hex("0400")), Drop::bad_value);
  EXPECT_EQ(drop_of(hex("0505"
                        "0102030405")),
            Drop::bad_value);
  EXPECT_EQ(drop_of(hex("0600")), Drop::bad_value);
  EXPECT_EQ(drop_of(hex("0602"
                        "0102")),
            Drop::bad_value);
  EXPECT_EQ(drop_of(hex("0309"
                        "000000000000000701")),
            Drop::bad_value);  // no priority
}

TEST(Tlv, MessageKindsAreValidated) {
  EXPECT_EQ(drop_of(hex("030a"
                        "0000000000000007"
                        "00"
                        "00")),
            Drop::bad_value);  // type 0
  EXPECT_EQ(drop_of(hex("030a"
                        "0000000000000007"
                        "06"
                        "00")),
            Drop::bad_value);  // type 6
  EXPECT_EQ(drop_of(hex("030a"
                        "0000000000000007"
                        "01"
                        "04")),
            Drop::bad_value);  // priority 4
  const std::vector<Tlv> want{Message{7, MessageType::parameter_update, Priority::low, {}}};
  EXPECT_EQ(decode_ok(hex("030a"
                          "0000000000000007"
                          "05"
                          "03")),
            want);
}

TEST(Tlv, MessagePayloadBound) {
  const Bytes payload(kMaxMessagePayload, 0xab);
  Bytes frame;
  append_tlv(frame, Message{1, MessageType::task, Priority::critical, payload});
  EXPECT_EQ(decode_ok(frame).size(), 1u);
  // One byte more: same layout, length 1211.
  Bytes big = {0x03};
  Writer w{big};
  w.varint(kMaxMessagePayload + 11);
  w.u64(1);
  w.u8(1);
  w.u8(0);
  big.resize(big.size() + kMaxMessagePayload + 1, 0xab);
  EXPECT_EQ(drop_of(big), Drop::oversized);
}

TEST(Tlv, FrameBound) {
  Bytes frame;
  append_pad(frame, kMaxFrame - 3);  // 1 type + 2 length bytes
  EXPECT_EQ(frame.size(), kMaxFrame);
  EXPECT_TRUE(decode_ok(frame).empty());
  frame.push_back(0);
  EXPECT_EQ(drop_of(frame), Drop::oversized);
}

TEST(Tlv, AtMost64TlvsCountingPadAndSkipped) {
  Bytes frame;
  for (std::size_t i = 0; i < kMaxTlvsPerFrame; ++i) append_tlv(frame, Close{static_cast<std::uint8_t>(i)});
  EXPECT_EQ(decode_ok(frame).size(), kMaxTlvsPerFrame);
  Bytes pads;
  for (std::size_t i = 0; i < kMaxTlvsPerFrame; ++i) append_pad(pads, 0);
  EXPECT_TRUE(decode_ok(pads).empty());
  append_pad(pads, 0);
  EXPECT_EQ(drop_of(pads), Drop::too_many_tlvs);
  append_tlv(frame, Close{0});
  EXPECT_EQ(drop_of(frame), Drop::too_many_tlvs);
}

TEST(Tlv, ForEachSeesNothingFromABadFrame) {
  Bytes frame;
  append_tlv(frame, Ping{1});
  append_tlv(frame, Pong{2});
  int seen = 0;
  EXPECT_TRUE(for_each_tlv(frame, [&](const Tlv&) { ++seen; }));
  EXPECT_EQ(seen, 2);
  frame.push_back(0x01);  // a cut TLV at the end
  seen = 0;
  auto r = for_each_tlv(frame, [&](const Tlv&) { ++seen; });
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error(), Drop::truncated);
  EXPECT_EQ(seen, 0);  // the good Ping before it was not acted on
}

RC_GTEST_PROP(Tlv, SequencesRoundTrip, ()) {
  std::deque<Bytes> store;
  const std::vector<Tlv> tlvs = test::draw_frame(store);
  const Bytes frame = test::encode_frame(tlvs);
  RC_ASSERT(frame.size() <= kMaxFrame);
  TlvArray out;
  auto n = decode_tlvs(frame, out);
  RC_ASSERT(n.has_value());
  RC_ASSERT(std::vector<Tlv>(out.begin(), out.begin() + static_cast<std::ptrdiff_t>(*n)) == tlvs);
}

RC_GTEST_PROP(Tlv, PaddingDoesNotChangeTheMeaning, ()) {
  std::deque<Bytes> store;
  const std::vector<Tlv> tlvs = test::draw_frame(store);
  RC_PRE(tlvs.size() < kMaxTlvsPerFrame);
  Bytes frame = test::encode_frame(tlvs);
  const std::size_t room = kMaxFrame - frame.size();
  RC_PRE(room >= 3);
  append_pad(frame, *test::uniform<std::size_t>(0, room - 2));
  TlvArray out;
  auto n = decode_tlvs(frame, out);
  RC_ASSERT(n.has_value());
  RC_ASSERT(std::vector<Tlv>(out.begin(), out.begin() + static_cast<std::ptrdiff_t>(*n)) == tlvs);
}

// Decoding is total and canonical up to Pad and skipped TLVs: re-encoding what
// was accepted decodes to the same TLVs.
void check_total(const Bytes& in) {
  TlvArray out;
  auto n = decode_tlvs(in, out);
  if (!n) {
    RC_ASSERT(n.error() < Drop::count_);
    return;
  }
  RC_ASSERT(*n <= kMaxTlvsPerFrame);
  const std::vector<Tlv> first(out.begin(), out.begin() + static_cast<std::ptrdiff_t>(*n));
  const Bytes again = test::encode_frame(first);
  RC_ASSERT(again.size() <= in.size());
  TlvArray out2;
  auto n2 = decode_tlvs(again, out2);
  RC_ASSERT(n2.has_value());
  RC_ASSERT(std::vector<Tlv>(out2.begin(), out2.begin() + static_cast<std::ptrdiff_t>(*n2)) == first);
}

RC_GTEST_PROP(Tlv, DecoderIsTotalOnArbitraryBytes, (const Bytes& in)) { check_total(in); }

RC_GTEST_PROP(Tlv, DecoderIsTotalOnDamagedFrames, ()) {
  std::deque<Bytes> store;
  check_total(test::mutate(test::encode_frame(test::draw_frame(store))));
}

// Small type bytes hit the known TLVs far more often than uniform bytes do.
RC_GTEST_PROP(Tlv, DecoderIsTotalOnTlvShapedNoise, ()) {
  const auto count = *test::uniform(0, 80);
  Bytes in;
  for (int i = 0; i < count; ++i) {
    in.push_back(*rc::gen::element<std::uint8_t>(0, 1, 2, 3, 4, 5, 6, 7, 63, 64, 0x80));
    in.push_back(*test::uniform<std::uint8_t>(0, 16));
    Bytes v = *test::bytes_between(0, 14);
    in.insert(in.end(), v.begin(), v.end());
  }
  check_total(in);
}

}  // namespace
}  // namespace hyphae::wire
