#include "messaging/envelope.hpp"

#include <gtest/gtest.h>
#include <rapidcheck/gtest.h>

namespace hyphae::messaging {
namespace {

Bytes payload_of(std::size_t n) {
  Bytes b(n);
  for (std::size_t i = 0; i < n; ++i) b[i] = static_cast<std::uint8_t>(i * 7 + 3);
  return b;
}

TEST(Envelope, SmallMessageIsOneChunkWithItsReplyTo) {
  const Bytes payload = payload_of(100);
  Bytes seg;
  encode_chunk(seg, 42, 7, payload, 0);
  auto e = decode_envelope(seg);
  ASSERT_TRUE(e.has_value());
  EXPECT_EQ(e->message_id, 42u);
  EXPECT_EQ(e->reply_to, 7u);
  EXPECT_EQ(e->chunk_count, 1u);
  EXPECT_EQ(e->total_size, 100u);
  EXPECT_EQ(Bytes(e->data.begin(), e->data.end()), payload);
  EXPECT_LE(seg.size(), wire::kMaxMessagePayload);
}

TEST(Envelope, LargestMessageChunksFitTheTransport) {
  const Bytes payload = payload_of(kMaxMessageSize);
  const auto count = chunk_count_for(payload.size());
  EXPECT_EQ(count, (kMaxMessageSize + kChunkSize - 1) / kChunkSize);
  for (std::uint32_t i : {0u, count / 2, count - 1}) {
    Bytes seg;
    encode_chunk(seg, ~std::uint64_t{0}, ~std::uint64_t{0}, payload, i);
    EXPECT_LE(seg.size(), wire::kMaxMessagePayload);
    auto e = decode_envelope(seg);
    ASSERT_TRUE(e.has_value());
    EXPECT_EQ(e->chunk_index, i);
    EXPECT_EQ(e->chunk_count, count);
  }
}

TEST(Envelope, MalformedEnvelopesAreDropped) {
  Bytes good;
  encode_chunk(good, 1, std::nullopt, payload_of(2000), 1);
  auto bad = [](const Bytes& b) {
    auto e = decode_envelope(b);
    return e ? wire::Drop::count_ : e.error();
  };
  EXPECT_EQ(bad({}), wire::Drop::bad_envelope);
  EXPECT_EQ(bad({0, 0, 0}), wire::Drop::bad_envelope);  // truncated id
  Bytes unknown_flag = good;
  unknown_flag[0] |= 0x80;
  EXPECT_EQ(bad(unknown_flag), wire::Drop::bad_envelope);
  Bytes short_data = good;
  short_data.pop_back();
  EXPECT_EQ(bad(short_data), wire::Drop::bad_envelope);
  Bytes index_past_count = good;
  index_past_count[9] = 2;  // chunk_index = 2 of 2
  EXPECT_EQ(bad(index_past_count), wire::Drop::bad_envelope);
  Bytes wrong_count = good;
  wrong_count[10] = 3;  // 2000 bytes are 2 chunks, not 3
  EXPECT_EQ(bad(wrong_count), wire::Drop::bad_envelope);
  Bytes oversized_single(1 + 8 + kChunkSize + 1, 0);
  EXPECT_EQ(bad(oversized_single), wire::Drop::bad_envelope);
}

RC_GTEST_PROP(Envelope, ChunksDecodeAndJoinToThePayload, ()) {
  const auto size = *rc::gen::inRange<std::size_t>(0, 6 * kChunkSize);
  const Bytes payload = *rc::gen::container<Bytes>(size, rc::gen::arbitrary<std::uint8_t>());
  const auto id = *rc::gen::arbitrary<std::uint64_t>();
  const auto maybe_reply = *rc::gen::maybe(rc::gen::arbitrary<std::uint64_t>());
  const auto reply_to = maybe_reply ? std::optional<std::uint64_t>(*maybe_reply) : std::nullopt;
  Bytes joined;
  const auto count = chunk_count_for(size);
  for (std::uint32_t i = 0; i < count; ++i) {
    Bytes seg;
    encode_chunk(seg, id, reply_to, payload, i);
    RC_ASSERT(seg.size() <= wire::kMaxMessagePayload);
    auto e = decode_envelope(seg);
    RC_ASSERT(e.has_value());
    RC_ASSERT(e->message_id == id);
    RC_ASSERT(e->reply_to == reply_to);
    RC_ASSERT(e->chunk_index == i);
    RC_ASSERT(e->chunk_count == count);
    RC_ASSERT(e->total_size == size);
    joined.insert(joined.end(), e->data.begin(), e->data.end());
  }
  RC_ASSERT(joined == payload);
}

RC_GTEST_PROP(Envelope, AnyBytesDecodeToAConsistentEnvelopeOrADrop,
              (const std::vector<std::uint8_t>& bytes)) {
  auto e = decode_envelope(bytes);
  if (!e) {
    RC_ASSERT(e.error() == wire::Drop::bad_envelope);
    return;
  }
  RC_ASSERT(e->chunk_index < e->chunk_count);
  RC_ASSERT(e->chunk_count == chunk_count_for(static_cast<std::size_t>(e->total_size)));
  RC_ASSERT(e->data.size() <= kChunkSize);
}

}  // namespace
}  // namespace hyphae::messaging
