// The member table: every member a node knows, by NodeId, stored densely.
//
// A simulated 10 000-node mesh holds 10^8 members in all, so the per-member
// cost matters: entries live in one std::deque (no per-entry allocation, no
// reallocation copies, references stable across push_back) and an
// open-addressing index of 32-bit positions finds them by id. The positions
// are also the probe order (membership walks them round-robin and shuffles
// them per round) and what random sampling draws from, so no second list of
// ids is kept.
//
// The index is keyed with SipHash under a per-table random key: ids come from
// the network, and a peer grinding keys must not be able to pile its ids into
// one probe chain.
#pragma once

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
    place(id, entries_.size() - 1);
    return entries_.size() - 1;
  }

  void swap_positions(std::size_t a, std::size_t b) {
    if (a == b) return;
    const std::size_t sa = slot_of(a), sb = slot_of(b);
    std::swap(entries_[a], entries_[b]);
    slots_[sa] = static_cast<std::uint32_t>(b + 1);
    slots_[sb] = static_cast<std::uint32_t>(a + 1);
  }

  // Removes the entry at `pos`; the last entry moves into its place.
  void erase_at(std::size_t pos) {
    const std::size_t last = entries_.size() - 1;
    swap_positions(pos, last);
    unplace(entries_[last].id);
    entries_.pop_back();
  }

  // Fisher-Yates over the positions, then one index rebuild.
  void shuffle(Rng& rng) {
    for (std::size_t i = entries_.size(); i > 1; --i) std::swap(entries_[i - 1], entries_[rng.below(i)]);
    rebuild(slots_.size());
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
  void grow() { rebuild(slots_.empty() ? 16 : 2 * slots_.size()); }
  void rebuild(std::size_t n) {
    slots_.assign(n, kEmpty);
    for (std::size_t p = 0; p < entries_.size(); ++p) place(entries_[p].id, p);
  }

  TableKey key_{};
  std::deque<Entry> entries_;
  std::vector<std::uint32_t> slots_;
};

}  // namespace hyphae::membership
