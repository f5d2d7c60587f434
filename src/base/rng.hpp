// A small seeded PRNG (xoshiro256**, seeded through splitmix64). A value type,
// never a global: each core owns one, handed to it by its driver, so a
// simulation replays bit for bit from its seed. Not for key material: keys come
// from crypto::KeySource.
#pragma once

#include <array>
#include <cstdint>
#include <span>

namespace hyphae {

class Rng {
 public:
  explicit Rng(std::uint64_t seed);

  std::uint64_t next_u64();
  // Uniform in [0, bound); asserts bound > 0.
  std::uint64_t below(std::uint64_t bound);
  // Uniform in [0, 1).
  double unit();
  void fill(std::span<std::uint8_t> out);
  // An independent stream for a child core; advances this one.
  Rng split();

 private:
  std::array<std::uint64_t, 4> s_{};
};

}  // namespace hyphae
