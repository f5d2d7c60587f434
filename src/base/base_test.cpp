#include <gtest/gtest.h>
#include <rapidcheck/gtest.h>

#include "base/endpoint.hpp"
#include "base/hex.hpp"
#include "base/rng.hpp"

namespace hyphae {
namespace {

TEST(Endpoint, ParsesAndPrintsV4AndV6) {
  auto a = Endpoint::parse("127.0.0.1:9900");
  ASSERT_TRUE(a);
  EXPECT_TRUE(a->is_v4());
  EXPECT_EQ(a->port, 9900);
  EXPECT_EQ(a->to_string(), "127.0.0.1:9900");
  auto b = Endpoint::parse("[::1]:80");
  ASSERT_TRUE(b);
  EXPECT_FALSE(b->is_v4());
  EXPECT_EQ(b->to_string(), "[::1]:80");
  EXPECT_EQ(Endpoint::v4(0x7f000001, 9900), *a);
}

TEST(Endpoint, RejectsMalformed) {
  for (const char* bad :
       {"", "1.2.3.4", "1.2.3.4:", "1.2.3.4:65536", "host:80", "[::1:80", "[::1]80", "1.2.3.4:8x"}) {
    EXPECT_FALSE(Endpoint::parse(bad)) << bad;
  }
}

RC_GTEST_PROP(Hex, RoundTrips, (const std::vector<std::uint8_t>& bytes)) {
  auto back = from_hex(to_hex(bytes));
  RC_ASSERT(back.has_value());
  RC_ASSERT(*back == bytes);
}

TEST(Hex, RejectsOddLengthAndNonHex) {
  EXPECT_FALSE(from_hex("abc"));
  EXPECT_FALSE(from_hex("zz"));
  EXPECT_EQ(from_hex("0aFF"), (Bytes{0x0a, 0xff}));
}

TEST(Rng, SameSeedSameStreamDifferentSeedDifferentStream) {
  Rng a{42}, b{42}, c{43};
  for (int i = 0; i < 100; ++i) {
    auto x = a.next_u64();
    EXPECT_EQ(x, b.next_u64());
    EXPECT_NE(x, c.next_u64());
  }
}

TEST(Rng, BelowStaysInRange) {
  Rng r{7};
  std::array<int, 5> seen{};
  for (int i = 0; i < 10'000; ++i) seen[r.below(5)]++;
  for (int n : seen) EXPECT_GT(n, 1'500);  // roughly uniform: 2000 expected each
}

}  // namespace
}  // namespace hyphae
