// Noise handshake patterns (rev 34 §7) and protocol-name parsing (§8, §9).
// Every one-way, interactive and deferred pattern of the spec is in the table;
// pskN modifiers come from the name.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace hyphae::crypto {

enum class Token : std::uint8_t { e, s, ee, es, se, ss, psk };

struct HandshakePattern {
  std::string name;                         // e.g. "XXpsk3"
  std::vector<Token> initiator_premessage;  // only e and s
  std::vector<Token> responder_premessage;
  // Messages alternate, starting with the initiator: message i is sent by
  // the initiator iff i is even.
  std::vector<std::vector<Token>> messages;
  bool has_psk = false;  // psk modifiers make `e` also MixKey

  bool one_way() const { return messages.size() == 1; }
  std::size_t psk_count() const;
};

// The base pattern ("XX", "IK1", ...) without modifiers; nullopt if unknown.
std::optional<HandshakePattern> find_pattern(std::string_view base_name);

// Parses "Noise_<pattern>[pskN[+pskM...]]_25519_ChaChaPoly_BLAKE2b". Any other
// DH, cipher or hash, an unknown pattern or modifier, a duplicate pskN or a
// pskN beyond the last message yields nullopt.
std::optional<HandshakePattern> parse_protocol_name(std::string_view protocol_name);

}  // namespace hyphae::crypto
