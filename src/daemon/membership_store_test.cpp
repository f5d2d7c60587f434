#include "daemon/membership_store.hpp"

#include <gtest/gtest.h>

#include <fstream>

namespace hyphae::daemon {
namespace {

std::filesystem::path temp_dir() {
  auto dir = std::filesystem::temp_directory_path() /
             ("hyphae-store-" + std::to_string(::testing::UnitTest::GetInstance()->random_seed()) + "-" +
              ::testing::UnitTest::GetInstance()->current_test_info()->name());
  std::filesystem::remove_all(dir);
  return dir;
}

KnownPeer peer(const std::string& id, const char* address, std::optional<std::int64_t> seen,
               const char* state = "alive") {
  return KnownPeer{.node_id = id, .address = *Endpoint::parse(address), .last_seen_ms = seen, .state = state};
}

TEST(MembershipStore, MissingFileIsAFirstStart) {
  auto s = load_membership_state(temp_dir() / "membership.json");
  ASSERT_TRUE(s) << s.error();
  EXPECT_EQ(s->incarnation, 0u);
  EXPECT_TRUE(s->peers.empty());
}

TEST(MembershipStore, RoundTrips) {
  const auto dir = temp_dir();
  MembershipState s{.incarnation = 7,
                    .peers = {peer(std::string(40, 'a'), "10.0.0.1:9900", 1700000000000),
                              peer(std::string(40, 'b'), "[fd00::2]:9900", std::nullopt, "dead")}};
  ASSERT_TRUE(save_membership_state(dir / "membership.json", s));
  EXPECT_FALSE(std::filesystem::exists(dir / "membership.json.tmp"));
  auto back = load_membership_state(dir / "membership.json");
  ASSERT_TRUE(back) << back.error();
  EXPECT_EQ(*back, s);
  std::filesystem::remove_all(dir);
}

TEST(MembershipStore, CorruptFileIsAnError) {
  const auto dir = temp_dir();
  std::filesystem::create_directories(dir);
  for (const char* text : {"", "{", "[]", R"({"incarnation": -1})", R"({"incarnation": 1, "peers": 5})",
                           R"({"incarnation": 1, "peers": [{"node_id": "aa", "address": "nowhere"}]})"}) {
    std::ofstream(dir / "membership.json") << text;
    auto s = load_membership_state(dir / "membership.json");
    EXPECT_FALSE(s) << text;
    if (!s) {
      EXPECT_NE(s.error().find("corrupt"), std::string::npos) << s.error();
    }
  }
  std::filesystem::remove_all(dir);
}

TEST(MembershipStore, MergeKeepsOldEntriesAndLastSeen) {
  const std::vector<KnownPeer> stored{peer("a", "10.0.0.1:1", 100), peer("b", "10.0.0.2:1", 200)};
  auto merged = merge_known_peers(
      stored, {peer("a", "10.0.0.9:1", std::nullopt, "suspect"), peer("c", "10.0.0.3:1", 300)});
  ASSERT_EQ(merged.size(), 3u);
  EXPECT_EQ(merged[0].node_id, "c");
  EXPECT_EQ(merged[1].node_id, "b");
  EXPECT_EQ(merged[2], peer("a", "10.0.0.9:1", 100, "suspect"));  // new address and state, old last_seen
  EXPECT_EQ(merge_known_peers(stored, {}, 1).size(), 1u);
}

TEST(MembershipStore, RejoinSeedsPreferLiveRecentPeersThenBootstrap) {
  MembershipState s{.incarnation = 1,
                    .peers = {peer("a", "10.0.0.1:1", 100, "dead"), peer("b", "10.0.0.2:1", 50),
                              peer("c", "10.0.0.3:1", 70), peer("d", "10.0.0.4:1", 90, "left")}};
  auto seeds = rejoin_seeds(s, {*Endpoint::parse("10.0.0.2:1"), *Endpoint::parse("10.0.0.5:1")});
  std::vector<std::string> got;
  for (const auto& e : seeds) got.push_back(e.to_string());
  EXPECT_EQ(got, (std::vector<std::string>{"10.0.0.3:1", "10.0.0.2:1", "10.0.0.1:1", "10.0.0.5:1"}));
  EXPECT_EQ(rejoin_seeds(s, {}, 1).size(), 1u);
}

}  // namespace
}  // namespace hyphae::daemon
