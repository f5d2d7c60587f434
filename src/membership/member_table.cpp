#include "membership/member_table.hpp"

#include <sodium.h>

namespace hyphae::membership {

std::uint64_t keyed_id_hash(const TableKey& key, const crypto::NodeId& id) {
  static_assert(sizeof(TableKey) == crypto_shorthash_KEYBYTES);
  std::array<std::uint8_t, crypto_shorthash_BYTES> out{};
  crypto_shorthash(out.data(), id.bytes.data(), id.bytes.size(), key.data());
  std::uint64_t h = 0;
  for (auto b : out) h = h << 8 | b;
  return h;
}

}  // namespace hyphae::membership
