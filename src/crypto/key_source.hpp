// Where key material comes from (STYLE.md §2.2). Cores never draw entropy
// themselves: the runtime hands them a SodiumKeySource, the simulator a
// SeededKeySource, so a simulated run replays bit for bit from its seed.
#pragma once

#include <cstdint>
#include <span>

#include "base/rng.hpp"

namespace hyphae::crypto {

struct KeySource {
  virtual void fill(std::span<std::uint8_t> out) = 0;
  virtual ~KeySource() = default;
};

// The real runtime's source: libsodium's CSPRNG (randombytes_buf).
class SodiumKeySource final : public KeySource {
 public:
  SodiumKeySource();
  void fill(std::span<std::uint8_t> out) override;
};

// SIMULATION AND TESTS ONLY. Keys drawn from a seeded xoshiro stream are
// predictable by anyone who knows the seed; never use this in the runtime.
class SeededKeySource final : public KeySource {
 public:
  explicit SeededKeySource(std::uint64_t seed) : rng_(seed) {}
  explicit SeededKeySource(Rng rng) : rng_(rng) {}
  void fill(std::span<std::uint8_t> out) override;

 private:
  Rng rng_;
};

}  // namespace hyphae::crypto
