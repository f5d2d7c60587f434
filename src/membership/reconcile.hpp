// The arithmetic of range sync (packet.hpp's Sync): where a member sits in
// the id space and the salted fingerprint that stands for its state. Pure and
// platform-independent (big-endian reads, fixed mixing), since two members
// must compute the same fingerprint for the same (id, state, incarnation).
#pragma once

#include <bitset>
#include <cstdint>
#include <memory>

#include "base/bytes.hpp"
#include "crypto/identity.hpp"
#include "membership/member_table.hpp"
#include "membership/record.hpp"

namespace hyphae::membership {

// 16 bits of a keyed hash of (id, state, incarnation). Two members holding
// the same state of a member compute the same value; a new salt per request
// makes a collision (a state we lack that hashes like one we hold) last one
// request, not forever.
std::uint16_t sync_fingerprint(const crypto::NodeId& id, State s, std::uint64_t incarnation,
                               std::uint32_t salt);

// The fingerprints a request lists, for membership tests in O(1). 8 KiB.
class FingerprintSet {
 public:
  // `packed`: big-endian u16s (Sync::fingerprints); an odd last byte is ignored.
  explicit FingerprintSet(ByteView packed);
  bool contains(std::uint16_t fp) const { return bits_->test(fp); }

 private:
  std::unique_ptr<std::bitset<65536>> bits_;
};

}  // namespace hyphae::membership
