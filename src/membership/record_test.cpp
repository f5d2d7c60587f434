// Goal: the membership codecs are total and exact: any bytes decode to a
// value or an error (never a crash), encodings round-trip, every record a
// node signs verifies and any flipped bit stops it verifying.
// Method: RapidCheck over random bytes and random records.
#include "membership/record.hpp"

#include <gtest/gtest.h>
#include <rapidcheck/gtest.h>

#include "crypto/key_source.hpp"
#include "membership/packet.hpp"
#include "membership/verifier.hpp"
#include "wire/packet.hpp"

namespace hyphae::membership {
namespace {

const crypto::Identity& alice() {
  static crypto::SeededKeySource keys(3);
  static const crypto::Identity id = crypto::Identity::generate(keys);
  return id;
}

RC_GTEST_PROP(MembershipCodec, DecodersAreTotal, (const std::vector<std::uint8_t>& bytes)) {
  (void)decode_record(bytes);
  auto p = decode_gossip(bytes);
  if (p) RC_ASSERT(p->count <= kMaxItems);
}

RC_GTEST_PROP(MembershipCodec, RecordsRoundTripAndVerify,
              (std::uint8_t state_pick, std::uint64_t inc, std::uint16_t port)) {
  const auto state = static_cast<State>(1 + state_pick % 4);
  crypto::NodeId subject;
  subject.bytes[0] = state_pick;
  const Endpoint address = Endpoint::v4(0x7f000001, port);
  const Bytes enc = make_record(alice(), state, subject, inc, address);
  RC_ASSERT(enc.size() == encoded_size(state));
  auto dec = decode_record(enc);
  RC_ASSERT(dec.has_value());
  RC_ASSERT(dec->state == state);
  RC_ASSERT(dec->subject == subject);
  RC_ASSERT(dec->incarnation == inc);
  if (carries_address(state)) RC_ASSERT(dec->address == address);
  RC_ASSERT(crypto::verify_signature(dec->signer, signed_part(enc), dec->signature));
}

RC_GTEST_PROP(MembershipCodec, AnyFlippedBitBreaksTheRecord, (std::uint64_t inc, std::size_t bit_pick)) {
  const Bytes enc = make_record(alice(), State::alive, alice().id, inc, Endpoint::v4(0x7f000001, 9900));
  Bytes bad = enc;
  const std::size_t bit = bit_pick % (bad.size() * 8);
  bad[bit / 8] ^= static_cast<std::uint8_t>(1u << (bit % 8));
  auto dec = decode_record(bad);
  if (!dec) return;  // the state byte became invalid
  DirectVerifier v;
  const bool verifies = v.verify(dec->signer, signed_part(bad), dec->signature);
  const bool bound = v.id_of(dec->signer) == std::optional(dec->subject);
  RC_ASSERT(!(verifies && bound));
}

TEST(MembershipCodec, WriterNeverExceedsADatagramAndItemsRoundTrip) {
  GossipWriter w(alice().id);
  EXPECT_TRUE(w.add(Ping{7, alice().id}));
  EXPECT_TRUE(w.add(Ack{.seq = 8, .forwarded = false, .resources = Resources{50, 60, 70}}));
  EXPECT_TRUE(w.add(PingReq{9, alice().id, Endpoint::v4(0x0a000001, 1)}));
  EXPECT_TRUE(w.add(Nack{10}));
  EXPECT_TRUE(w.add(Sync{.reply = true}));
  const Bytes rec = make_record(alice(), State::alive, alice().id, 1, Endpoint::v4(0x0a000001, 1));
  while (w.add(RecordItem{rec})) {
  }
  const Bytes data = w.finish();
  EXPECT_LE(data.size(), wire::kMaxDatagram);
  EXPECT_GT(data.size(), wire::kMaxDatagram - rec.size() - 3);
  auto p = decode_gossip(data);
  ASSERT_TRUE(p);
  EXPECT_EQ(p->sender, alice().id);
  ASSERT_GE(p->count, 6u);
  EXPECT_EQ(std::get<Ping>(p->items[0]).seq, 7u);
  EXPECT_EQ(std::get<Ack>(p->items[1]).resources, (Resources{50, 60, 70}));
  EXPECT_EQ(std::get<PingReq>(p->items[2]).target_address, Endpoint::v4(0x0a000001, 1));
  EXPECT_EQ(std::get<Nack>(p->items[3]).seq, 10u);
  EXPECT_TRUE(std::get<Sync>(p->items[4]).reply);
  EXPECT_EQ(decode_record(std::get<RecordItem>(p->items[5]).bytes)->incarnation, 1u);
}

TEST(MembershipCodec, RejectsBadHeadersItemsAndValues) {
  GossipWriter w(alice().id);
  w.add(Ack{.seq = 1, .forwarded = false, .resources = Resources{50, 60, 70}});
  Bytes good = w.finish();
  ASSERT_TRUE(decode_gossip(good));
  Bytes bad_version = good;
  bad_version[0] = 9;
  EXPECT_EQ(decode_gossip(bad_version).error(), PacketError::bad_header);
  Bytes cpu_over_100 = good;
  cpu_over_100[good.size() - 4] = 101;
  EXPECT_EQ(decode_gossip(cpu_over_100).error(), PacketError::bad_item);
  Bytes truncated(good.begin(), good.end() - 1);
  EXPECT_EQ(decode_gossip(truncated).error(), PacketError::truncated);
  Bytes unknown_item = good;
  unknown_item[kGossipHeader] = 99;
  EXPECT_EQ(decode_gossip(unknown_item).error(), PacketError::bad_item);
}

}  // namespace
}  // namespace hyphae::membership
