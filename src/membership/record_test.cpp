// Goal: the membership codecs are total and exact: any bytes decode to a
// value or an error (never a crash), encodings round-trip, every record a
// node signs verifies and any flipped bit stops it verifying.
// Method: RapidCheck over random bytes and random records.
#include "membership/record.hpp"

#include <gtest/gtest.h>
#include <rapidcheck/gtest.h>

#include <numeric>

#include "crypto/key_source.hpp"
#include "membership/packet.hpp"
#include "membership/reconcile.hpp"
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
  const std::size_t full = w.size();
  EXPECT_FALSE(w.add(RecordItem{rec}));
  EXPECT_EQ(w.size(), full);  // a refused item leaves nothing behind
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

TEST(MembershipCodec, RangedSyncRoundTripsAndBadRangesDoNotDecode) {
  // Over 255 bytes of fingerprints, so the item's length needs both bytes.
  std::vector<std::uint8_t> fps(600);
  std::iota(fps.begin(), fps.end(), std::uint8_t{0x12});
  GossipWriter w(alice().id);
  ASSERT_TRUE(w.add(Sync{.reply = true,
                         .cookie = 9,
                         .ranged = true,
                         .salt = 0xabcdef01,
                         .first = 7,
                         .last = 900,
                         .fingerprints = fps}));
  ASSERT_TRUE(
      w.add(Sync{.reply = false, .complete = true, .cookie = 3, .ranged = true, .first = 7, .last = 900}));
  Bytes data = w.finish();
  auto p = decode_gossip(data);
  ASSERT_TRUE(p);
  const auto& req = std::get<Sync>(p->items[0]);
  EXPECT_TRUE(req.reply && req.ranged && !req.complete);
  EXPECT_EQ(req.cookie, 9u);
  EXPECT_EQ(req.salt, 0xabcdef01u);
  EXPECT_EQ(req.first, 7u);
  EXPECT_EQ(req.last, 900u);
  EXPECT_TRUE(std::equal(req.fingerprints.begin(), req.fingerprints.end(), fps.begin(), fps.end()));
  const auto& answer = std::get<Sync>(p->items[1]);
  EXPECT_TRUE(answer.complete && answer.ranged && !answer.reply);
  EXPECT_TRUE(answer.fingerprints.empty());
  // A range that ends before it starts, or an odd byte of fingerprints: a bad item.
  Bytes backwards = data;
  // The first item's value starts after the header (24), its type and length
  // (3), flags (1), cookie (8) and salt (4): first is at 40, last at 42.
  std::swap(backwards[40], backwards[42]);
  std::swap(backwards[41], backwards[43]);
  EXPECT_EQ(decode_gossip(backwards).error(), PacketError::bad_item);
  // An odd number of fingerprint bytes: the item as a writer would lay it
  // out (flags reply|ranged, cookie, salt, first, last) plus three bytes.
  Bytes bad = GossipWriter(alice().id).finish();
  const Bytes value{5, 0, 0, 0, 0, 0, 0, 0, 0, /*salt*/ 0, 0, 0, 0, /*first*/ 0, 1, /*last*/ 0, 2, 1, 1, 1};
  bad.insert(bad.end(), {6, 0, static_cast<std::uint8_t>(value.size())});
  bad.insert(bad.end(), value.begin(), value.end());
  EXPECT_EQ(decode_gossip(bad).error(), PacketError::bad_item);
}

TEST(MembershipReconcile, FingerprintsDependOnStateAndSaltAndSetsFindThem) {
  const auto id = alice().id;
  const auto a = sync_fingerprint(id, State::alive, 3, 1);
  EXPECT_EQ(a, sync_fingerprint(id, State::alive, 3, 1));  // two members agree
  // Another state, incarnation or salt gives another value (for these inputs; 16 bits can collide).
  EXPECT_NE(a, sync_fingerprint(id, State::suspect, 3, 1));
  EXPECT_NE(a, sync_fingerprint(id, State::alive, 4, 1));
  EXPECT_NE(a, sync_fingerprint(id, State::alive, 3, 2));
  const Bytes packed{static_cast<std::uint8_t>(a >> 8), static_cast<std::uint8_t>(a), 0x00, 0x07};
  const FingerprintSet set(packed);
  EXPECT_TRUE(set.contains(a));
  EXPECT_TRUE(set.contains(7));
  EXPECT_FALSE(set.contains(static_cast<std::uint16_t>(a + 1)) && a + 1 != 7);
  EXPECT_EQ(id_prefix(id), static_cast<std::uint16_t>(id.bytes[0] << 8 | id.bytes[1]));
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
