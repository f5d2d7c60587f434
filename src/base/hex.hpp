// Lower-case hexadecimal, used for node ids, keys and test vectors.
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "base/bytes.hpp"

namespace hyphae {

std::string to_hex(ByteView bytes);
// Returns nullopt on odd length or a non-hex character.
std::optional<Bytes> from_hex(std::string_view text);

}  // namespace hyphae
