#include "membership/member_table.hpp"

#include <gtest/gtest.h>
#include <rapidcheck/gtest.h>

#include <map>
#include <set>

namespace hyphae::membership {
namespace {

crypto::NodeId id_of(std::uint32_t n) {
  crypto::NodeId id;
  for (std::size_t i = 0; i < 4; ++i) id.bytes[i] = static_cast<std::uint8_t>(n >> (8 * i));
  return id;
}

// Every id the model holds is found at a position whose entry carries it and
// its value, and the table holds nothing else; walked in prefix order, the
// table holds each id once, prefixes never decrease, and first_at_or_after
// finds where each prefix begins.
void expect_same(const MemberTable<int>& t, const std::map<std::uint32_t, int>& model) {
  RC_ASSERT(t.size() == model.size());
  std::set<crypto::NodeId> walked;
  for (std::size_t i = 0; i < t.size(); ++i) {
    const auto& id = t.in_prefix_order(i).id;
    walked.insert(id);
    const std::uint16_t p = id_prefix(id);
    // (RC_ASSERT captures both sides of ||, so no short circuit inside it.)
    if (i > 0) RC_ASSERT(id_prefix(t.in_prefix_order(i - 1).id) <= p);
    const std::size_t first = t.first_at_or_after(p);
    RC_ASSERT(first <= i);
    RC_ASSERT(id_prefix(t.in_prefix_order(first).id) == p);
    if (first > 0) RC_ASSERT(id_prefix(t.in_prefix_order(first - 1).id) < p);
  }
  RC_ASSERT(walked.size() == model.size());
  RC_ASSERT(t.first_at_or_after(0x10000) == t.size());
  for (const auto& [n, v] : model) {
    const std::size_t p = t.position(id_of(n));
    RC_ASSERT(p != MemberTable<int>::kNone);
    RC_ASSERT(t.at(p).id == id_of(n));
    RC_ASSERT(t.at(p).value == v);
  }
}

RC_GTEST_PROP(MemberTable, MatchesAMapUnderInsertEraseSwapAndShuffle, ()) {
  Rng rng(*rc::gen::arbitrary<std::uint64_t>());
  MemberTable<int> t(rng);
  std::map<std::uint32_t, int> model;
  const auto ops = *rc::gen::container<std::vector<std::pair<int, std::uint32_t>>>(
      rc::gen::pair(rc::gen::inRange(0, 4), rc::gen::inRange<std::uint32_t>(0, 300)));
  int value = 0;
  for (const auto& [op, n] : ops) {
    if (op == 0 && !model.contains(n)) {
      t.push_back(id_of(n), ++value);
      model[n] = value;
    } else if (op == 1 && model.contains(n)) {
      t.erase_at(t.position(id_of(n)));
      model.erase(n);
    } else if (op == 2 && t.size() > 0) {
      t.swap_positions(n % t.size(), rng.below(t.size()));
    } else if (op == 3) {
      t.shuffle(rng);
    }
    RC_ASSERT(t.contains(id_of(n)) == model.contains(n));
  }
  expect_same(t, model);
}

TEST(MemberTable, FindsNothingInAnEmptyTableAndGrowsPastItsFirstIndex) {
  Rng rng(1);
  MemberTable<int> t(rng);
  EXPECT_EQ(t.find(id_of(7)), nullptr);
  for (std::uint32_t n = 0; n < 1000; ++n) t.push_back(id_of(n), static_cast<int>(n));
  for (std::uint32_t n = 0; n < 1000; ++n) ASSERT_EQ(t.get(id_of(n)), static_cast<int>(n));
  EXPECT_EQ(t.find(id_of(1000)), nullptr);
}

}  // namespace
}  // namespace hyphae::membership
