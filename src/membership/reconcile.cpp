#include "membership/reconcile.hpp"

#include <algorithm>

namespace hyphae::membership {
namespace {

// splitmix64's finaliser.
std::uint64_t mix64(std::uint64_t x) {
  x ^= x >> 30;
  x *= 0xbf58476d1ce4e5b9ULL;
  x ^= x >> 27;
  x *= 0x94d049bb133111ebULL;
  return x ^ (x >> 31);
}

std::uint64_t load_be(const std::uint8_t* p, std::size_t n) {
  std::uint64_t v = 0;
  for (std::size_t i = 0; i < n; ++i) v = v << 8 | p[i];
  return v;
}

}  // namespace

std::uint16_t sync_fingerprint(const crypto::NodeId& id, State s, std::uint64_t incarnation,
                               std::uint32_t salt) {
  std::uint64_t h = mix64((incarnation << 3 | static_cast<std::uint64_t>(s)) ^ (std::uint64_t{salt} << 32));
  for (std::size_t i = 0; i < crypto::NodeId::kLen; i += 8) {
    h = mix64(h ^ load_be(id.bytes.data() + i, std::min<std::size_t>(8, crypto::NodeId::kLen - i)));
  }
  return static_cast<std::uint16_t>(h);
}

FingerprintSet::FingerprintSet(ByteView packed) : bits_(std::make_unique<std::bitset<65536>>()) {
  for (std::size_t i = 0; i + 1 < packed.size(); i += 2) bits_->set(packed[i] << 8 | packed[i + 1]);
}

}  // namespace hyphae::membership
