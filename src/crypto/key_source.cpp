#include "crypto/key_source.hpp"

#include <sodium.h>

#include "crypto/sodium.hpp"

namespace hyphae::crypto {

SodiumKeySource::SodiumKeySource() { ensure_sodium(); }

void SodiumKeySource::fill(std::span<std::uint8_t> out) { randombytes_buf(out.data(), out.size()); }

void SeededKeySource::fill(std::span<std::uint8_t> out) { rng_.fill(out); }

}  // namespace hyphae::crypto
