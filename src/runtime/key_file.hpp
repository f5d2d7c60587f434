// The node's identity key on disk: 64 hex characters of the identity seed
// (crypto/identity.hpp: the Ed25519 seed the X25519 key derives from)
// and a newline, mode 0600, written atomically (temp file, fsync, rename,
// fsync of the directory) so a crash never leaves a half-written key.
#pragma once

#include <filesystem>
#include <string>

#include "base/result.hpp"
#include "crypto/identity.hpp"
#include "crypto/key_source.hpp"

namespace hyphae::runtime {

Result<void, std::string> write_key_file(const std::filesystem::path& path, const crypto::Seed& seed);
// Refuses a key that group or others may read: a leaked key is a stolen identity.
Result<crypto::Identity, std::string> read_key_file(const std::filesystem::path& path);
// Reads the key, or creates one if the file does not exist.
Result<crypto::Identity, std::string> load_or_create_identity(const std::filesystem::path& path,
                                                              crypto::KeySource& keys);

}  // namespace hyphae::runtime
