#include "wire/drop.hpp"

#include <gtest/gtest.h>

#include <set>

#include "base/hex.hpp"
#include "wire/handshake_payload.hpp"
#include "wire/packet.hpp"
#include "wire/tlv.hpp"

namespace hyphae::wire {
namespace {

TEST(Drop, NamesAreTheEnumeratorNames) {
  EXPECT_EQ(name(Drop::truncated), "truncated");
  EXPECT_EQ(name(Drop::unknown_critical_tlv), "unknown_critical_tlv");
  EXPECT_EQ(name(Drop::rate_limited), "rate_limited");
  std::set<std::string_view> seen;
  for (std::size_t i = 0; i < kDropCount; ++i) {
    const auto n = name(static_cast<Drop>(i));
    EXPECT_NE(n, "invalid") << i;
    for (char c : n) EXPECT_TRUE((c >= 'a' && c <= 'z') || c == '_') << n;  // a valid metric label
    seen.insert(n);
  }
  EXPECT_EQ(seen.size(), kDropCount);
}

Drop packet_drop(std::string_view hex) {
  auto p = decode_packet(*from_hex(hex));
  return p ? Drop::count_ : p.error();
}

Drop frame_drop(std::string_view hex) {
  TlvArray out;
  auto n = decode_tlvs(*from_hex(hex), out);
  return n ? Drop::count_ : n.error();
}

// Every reason the wire layer owns comes out of some input; the remaining
// reasons belong to crypto and link, which test them.
TEST(Drop, EveryWireReasonIsReachable) {
  std::set<Drop> produced;
  produced.insert(packet_drop("0104"));
  produced.insert(decode_init_payload(*from_hex("00")).error());
  produced.insert(
      packet_drop("02010000"
                  "00000001"
                  "aa"));
  produced.insert(
      packet_drop("01090000"
                  "00000001"
                  "aa"));
  produced.insert(
      packet_drop("01010080"
                  "00000001"
                  "aa"));
  produced.insert(decode_packet(Bytes(kMaxDatagram + 1, 0)).error());
  produced.insert(frame_drop("8000"));
  produced.insert(frame_drop("0b00"));
  Bytes many;
  for (int i = 0; i <= 64; ++i) append_pad(many, 0);
  TlvArray out;
  produced.insert(decode_tlvs(many, out).error());
  produced.insert(frame_drop("0600"));
  for (std::size_t i = 0; i <= static_cast<std::size_t>(Drop::bad_value); ++i) {
    EXPECT_TRUE(produced.contains(static_cast<Drop>(i))) << name(static_cast<Drop>(i));
  }
  EXPECT_FALSE(produced.contains(Drop::count_));
}

}  // namespace
}  // namespace hyphae::wire
