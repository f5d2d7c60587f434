#include "messaging/reassembly.hpp"

#include <gtest/gtest.h>

namespace hyphae::messaging {
namespace {

using Verdict = Reassembly::Verdict;

struct Chunks {
  Bytes payload;
  std::vector<Bytes> segments;
  explicit Chunks(std::size_t size, std::uint64_t id = 1) : payload(size) {
    for (std::size_t i = 0; i < size; ++i) payload[i] = static_cast<std::uint8_t>(i % 251);
    for (std::uint32_t i = 0; i < chunk_count_for(size); ++i) {
      segments.emplace_back();
      encode_chunk(segments.back(), id, std::nullopt, payload, i);
    }
  }
  Envelope operator[](std::size_t i) const { return *decode_envelope(segments[i]); }
};

crypto::NodeId node(std::uint8_t b) {
  crypto::NodeId id{};
  id.bytes[0] = b;
  return id;
}

TEST(Reassembly, InOrderChunksCompleteOnTheCommitChunk) {
  Reassembly r{ReassemblyConfig{}};
  Chunks c(3 * kChunkSize + 10);
  ASSERT_EQ(c.segments.size(), 4u);
  for (std::size_t i = 0; i < 3; ++i) EXPECT_EQ(r.accept(Instant{}, node(1), c[i]).verdict, Verdict::stored);
  auto done = r.accept(Instant{}, node(1), c[3]);
  EXPECT_EQ(done.verdict, Verdict::complete);
  EXPECT_EQ(done.payload, c.payload);
  EXPECT_EQ(r.bytes(), 0u);
  EXPECT_EQ(r.partial_messages(), 0u);
}

TEST(Reassembly, AnEarlyCommitChunkIsTurnedAwayUntilTheRestIsHere) {
  Reassembly r{ReassemblyConfig{}};
  Chunks c(2 * kChunkSize + 1);
  EXPECT_EQ(r.accept(Instant{}, node(1), c[2]).verdict, Verdict::waiting);
  EXPECT_EQ(r.accept(Instant{}, node(1), c[1]).verdict, Verdict::stored);
  EXPECT_EQ(r.accept(Instant{}, node(1), c[1]).verdict, Verdict::stored);  // a retransmit
  EXPECT_EQ(r.accept(Instant{}, node(1), c[2]).verdict, Verdict::waiting);
  EXPECT_EQ(r.accept(Instant{}, node(1), c[0]).verdict, Verdict::stored);
  EXPECT_EQ(r.accept(Instant{}, node(1), c[2]).payload, c.payload);
}

TEST(Reassembly, SendersAreKeptApart) {
  Reassembly r{ReassemblyConfig{}};
  Chunks c(kChunkSize + 1);
  EXPECT_EQ(r.accept(Instant{}, node(1), c[0]).verdict, Verdict::stored);
  EXPECT_EQ(r.accept(Instant{}, node(2), c[1]).verdict, Verdict::waiting);
  EXPECT_EQ(r.accept(Instant{}, node(1), c[1]).verdict, Verdict::complete);
}

TEST(Reassembly, MemoryIsBoundedPerSenderAndInTotalByWhatArrived) {
  const std::size_t chunk_cost = kChunkSize + sizeof(Bytes);  // a 2-chunk message: one table slot
  Reassembly r{ReassemblyConfig{.max_bytes = 3 * chunk_cost, .max_bytes_per_sender = 2 * chunk_cost}};
  for (std::uint64_t id = 1; id <= 2; ++id) {
    EXPECT_EQ(r.accept(Instant{}, node(1), Chunks(kChunkSize + 1, id)[0]).verdict, Verdict::stored);
  }
  EXPECT_EQ(r.accept(Instant{}, node(1), Chunks(kChunkSize + 1, 3)[0]).verdict, Verdict::refused);
  EXPECT_EQ(r.accept(Instant{}, node(2), Chunks(kChunkSize + 1, 3)[0]).verdict, Verdict::stored);
  EXPECT_EQ(r.accept(Instant{}, node(3), Chunks(kChunkSize + 1, 3)[0]).verdict, Verdict::refused);
  EXPECT_EQ(r.bytes(), 3 * chunk_cost);
  // A claimed 16 MiB message costs its chunk table up front, not 16 MiB.
  Reassembly big{ReassemblyConfig{}};
  Chunks huge(kMaxMessageSize);
  EXPECT_EQ(big.accept(Instant{}, node(1), huge[0]).verdict, Verdict::stored);
  EXPECT_LT(big.bytes(), std::size_t{1} << 20);
}

TEST(Reassembly, AMessageThatStopsGrowingIsForgotten) {
  Reassembly r{ReassemblyConfig{.idle_timeout = seconds(60)}};
  Chunks c(2 * kChunkSize + 1);
  r.accept(Instant{}, node(1), c[0]);
  EXPECT_EQ(r.expire(Instant{} + seconds(59)), 0u);
  r.accept(Instant{} + seconds(59), node(1), c[1]);
  EXPECT_EQ(r.expire(Instant{} + seconds(118)), 0u);
  EXPECT_EQ(r.expire(Instant{} + seconds(119)), 1u);
  EXPECT_EQ(r.bytes(), 0u);
  EXPECT_EQ(r.accept(Instant{} + seconds(120), node(1), c[2]).verdict, Verdict::waiting);
}

}  // namespace
}  // namespace hyphae::messaging
