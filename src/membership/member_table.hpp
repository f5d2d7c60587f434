// The member table: every member a node knows, by NodeId, stored densely.
//
// A simulated 10 000-node mesh holds 10^8 members in all, so the per-member
// cost matters: entries live in one std::deque (no per-entry allocation, no
// reallocation copies, references stable across push_back) and an
// open-addressing index of 32-bit positions finds them by id. The positions
// are also the probe order (membership walks them round-robin and shuffles
// them per round) and what random sampling draws from, so no second list of
// ids is kept. A third structure keeps the positions in the order of the
// ids' top 16 bits, so a range of the id space (membership's sync) is found
// in O(log N) and walked in O(members in it).
//
// The index is keyed with SipHash under a per-table random key: ids come from
// the network, and a peer grinding keys must not be able to pile its ids into
// one probe chain.
#pragma once

#include <algorithm>
#include <array>
#include <cstdint>
#include <cstring>
#include <deque>
#include <utility>
#include <vector>

#include "base/assert.hpp"
#include "base/rng.hpp"
#include "crypto/identity.hpp"

namespace hyphae::membership {

using TableKey = std::array<std::uint8_t, 16>;
std::uint64_t keyed_id_hash(const TableKey& key, const crypto::NodeId& id);

// The top 16 bits of an id: its place in the id space that sync walks.
inline std::uint16_t id_prefix(const crypto::NodeId& id) {
  return static_cast<std::uint16_t>(id.bytes[0] << 8 | id.bytes[1]);
}

template <class V>
class MemberTable {
 public:
  struct Entry {
    crypto::NodeId id;
    V value;
  };
  static constexpr std::size_t kNone = static_cast<std::size_t>(-1);

  explicit MemberTable(Rng& rng) { rng.fill(key_); }

  std::size_t size() const { return entries_.size(); }
  Entry& at(std::size_t pos) { return entries_[pos]; }
  const Entry& at(std::size_t pos) const { return entries_[pos]; }
  auto begin() const { return entries_.begin(); }
  auto end() const { return entries_.end(); }

  // Position of `id`, or kNone.
  std::size_t position(const crypto::NodeId& id) const {
    if (slots_.empty()) return kNone;
    for (std::size_t s = home(id);; s = next(s)) {
      const std::uint32_t p = slots_[s];
      if (p == kEmpty) return kNone;
      if (same_id(entries_[p - 1].id, id)) return p - 1;
    }
  }
  V* find(const crypto::NodeId& id) {
    const std::size_t p = position(id);
    return p == kNone ? nullptr : &entries_[p].value;
  }
  const V* find(const crypto::NodeId& id) const {
    const std::size_t p = position(id);
    return p == kNone ? nullptr : &entries_[p].value;
  }
  bool contains(const crypto::NodeId& id) const { return position(id) != kNone; }
  V& get(const crypto::NodeId& id) {
    V* v = find(id);
    HYPHAE_ASSERT(v != nullptr);
    return *v;
  }
  const V& get(const crypto::NodeId& id) const {
    const V* v = find(id);
    HYPHAE_ASSERT(v != nullptr);
    return *v;
  }

  // Appends a member that must not be present yet; returns its position (the last).
  std::size_t push_back(const crypto::NodeId& id, V value) {
    HYPHAE_ASSERT(!contains(id));
    if (2 * (entries_.size() + 1) > slots_.size()) grow();
    entries_.push_back({id, std::move(value)});
    const auto pos = static_cast<std::uint32_t>(entries_.size() - 1);
    place(id, pos);
    by_prefix_.insert(by_prefix_.begin() + static_cast<std::ptrdiff_t>(first_at_or_after(id_prefix(id) + 1)),
                      pos);
    return pos;
  }

  void swap_positions(std::size_t a, std::size_t b) {
    if (a == b) return;
    const std::size_t sa = slot_of(a), sb = slot_of(b);
    const std::size_t oa = order_of(a), ob = order_of(b);
    std::swap(entries_[a], entries_[b]);
    slots_[sa] = static_cast<std::uint32_t>(b + 1);
    slots_[sb] = static_cast<std::uint32_t>(a + 1);
    by_prefix_[oa] = static_cast<std::uint32_t>(b);
    by_prefix_[ob] = static_cast<std::uint32_t>(a);
  }

  // Removes the entry at `pos`; the last entry moves into its place.
  void erase_at(std::size_t pos) {
    const std::size_t last = entries_.size() - 1;
    swap_positions(pos, last);
    unplace(entries_[last].id);
    by_prefix_.erase(by_prefix_.begin() + static_cast<std::ptrdiff_t>(order_of(last)));
    entries_.pop_back();
  }

  // Fisher-Yates over the positions, then the indexes rebuilt once.
  void shuffle(Rng& rng) {
    for (std::size_t i = entries_.size(); i > 1; --i) std::swap(entries_[i - 1], entries_[rng.below(i)]);
    rebuild(slots_.size());
    std::vector<std::pair<std::uint16_t, std::uint32_t>> keyed(entries_.size());
    for (std::size_t p = 0; p < entries_.size(); ++p) {
      keyed[p] = {id_prefix(entries_[p].id), static_cast<std::uint32_t>(p)};
    }
    std::sort(keyed.begin(), keyed.end());
    for (std::size_t i = 0; i < keyed.size(); ++i) by_prefix_[i] = keyed[i].second;
  }

  // The entries in the order of their ids' prefixes (id_prefix): the i-th,
  // and the first whose prefix is at least `prefix` (size() if none is).
  const Entry& in_prefix_order(std::size_t i) const { return entries_[by_prefix_[i]]; }
  std::size_t first_at_or_after(std::uint32_t prefix) const {
    return static_cast<std::size_t>(
        std::partition_point(by_prefix_.begin(), by_prefix_.end(),
                             [&](std::uint32_t p) { return id_prefix(entries_[p].id) < prefix; }) -
        by_prefix_.begin());
  }

 private:
  static constexpr std::uint32_t kEmpty = 0;  // slots hold position + 1

  // Three loads instead of a memcmp call: lookups are the simulator's hot path.
  static bool same_id(const crypto::NodeId& a, const crypto::NodeId& b) {
    static_assert(crypto::NodeId::kLen == 20);
    std::uint64_t a0, a1, b0, b1;
    std::uint32_t a2, b2;
    std::memcpy(&a0, a.bytes.data(), 8);
    std::memcpy(&b0, b.bytes.data(), 8);
    std::memcpy(&a1, a.bytes.data() + 8, 8);
    std::memcpy(&b1, b.bytes.data() + 8, 8);
    std::memcpy(&a2, a.bytes.data() + 16, 4);
    std::memcpy(&b2, b.bytes.data() + 16, 4);
    return ((a0 ^ b0) | (a1 ^ b1) | (a2 ^ b2)) == 0;
  }

  std::size_t home(const crypto::NodeId& id) const { return keyed_id_hash(key_, id) & (slots_.size() - 1); }
  std::size_t next(std::size_t s) const { return (s + 1) & (slots_.size() - 1); }
  std::size_t slot_of(std::size_t pos) const {
    for (std::size_t s = home(entries_[pos].id);; s = next(s)) {
      if (slots_[s] == pos + 1) return s;
    }
  }
  void place(const crypto::NodeId& id, std::size_t pos) {
    std::size_t s = home(id);
    while (slots_[s] != kEmpty) s = next(s);
    slots_[s] = static_cast<std::uint32_t>(pos + 1);
  }
  // Backward-shift deletion: later members of the probe chain move up, so no tombstones.
  void unplace(const crypto::NodeId& id) {
    std::size_t hole = home(id);
    while (!same_id(entries_[slots_[hole] - 1].id, id)) hole = next(hole);
    for (std::size_t s = next(hole);; s = next(s)) {
      const std::uint32_t p = slots_[s];
      if (p == kEmpty) break;
      const std::size_t h = home(entries_[p - 1].id);
      // Move it into the hole unless its home lies cyclically in (hole, s].
      const bool stays = hole <= s ? (hole < h && h <= s) : (hole < h || h <= s);
      if (!stays) {
        slots_[hole] = p;
        hole = s;
      }
    }
    slots_[hole] = kEmpty;
  }
  // Where position `pos` sits in by_prefix_.
  std::size_t order_of(std::size_t pos) const {
    for (std::size_t i = first_at_or_after(id_prefix(entries_[pos].id));; ++i) {
      if (by_prefix_[i] == pos) return i;
    }
  }
  void grow() { rebuild(slots_.empty() ? 16 : 2 * slots_.size()); }
  void rebuild(std::size_t n) {
    slots_.assign(n, kEmpty);
    for (std::size_t p = 0; p < entries_.size(); ++p) place(entries_[p].id, p);
  }

  TableKey key_{};
  std::deque<Entry> entries_;
  std::vector<std::uint32_t> slots_;
  std::vector<std::uint32_t> by_prefix_;  // positions, ordered by id_prefix
};

}  // namespace hyphae::membership
