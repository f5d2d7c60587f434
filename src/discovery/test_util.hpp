// Helpers shared by the discovery tests: fixed identities and addresses.
#pragma once

#include <cstdint>

#include "base/endpoint.hpp"
#include "crypto/identity.hpp"

namespace hyphae::discovery::test {

// A deterministic identity per small integer.
inline crypto::Identity identity(std::uint8_t n) {
  crypto::Seed seed{};
  seed.fill(n);
  seed[0] = 0xd1;  // not all one byte, so n = 0 is an ordinary seed too
  return crypto::Identity::from_seed(seed);
}

// 10.0.0.n:port
inline Endpoint lan(std::uint8_t n, std::uint16_t port = 9999) { return Endpoint::v4(0x0a000000u | n, port); }

}  // namespace hyphae::discovery::test
