// A signed membership record: one node's claim about one member's state at an
// incarnation (SWIM's alive/suspect/confirm messages, plus a graceful leave).
//
// Trust rule (docs/membership.md): alive and left are signed by the member
// itself; suspect and dead by the member that declares them. The signer's
// Ed25519 key travels in the record and maps to exactly one NodeId
// (crypto/identity.hpp), so a record whose key does not map to the subject
// (alive/left) is a forgery, and a declarer is always identified. Replays are
// harmless by construction: state only moves forward in (incarnation, state)
// order, so an old record is stale and is counted, never applied.
#pragma once

#include <cstdint>
#include <optional>
#include <string_view>

#include "base/bytes.hpp"
#include "base/endpoint.hpp"
#include "base/result.hpp"
#include "crypto/identity.hpp"

namespace hyphae::membership {

enum class State : std::uint8_t { alive = 1, suspect = 2, dead = 3, left = 4 };
std::string_view name(State s);

struct Record {
  State state = State::alive;
  crypto::NodeId subject;
  std::uint64_t incarnation = 0;
  crypto::SigningPublicKey signer{};  // the subject (alive, left) or the declarer
  Endpoint address;                   // alive and left only: where the subject listens
  crypto::Signature signature{};
};

inline constexpr std::size_t kRecordHeader = 1 + crypto::NodeId::kLen + 8 + 32;
inline constexpr std::size_t kAddressSize = 18;
inline constexpr std::size_t kMaxRecordSize = kRecordHeader + kAddressSize + crypto::kSignatureLen;
inline constexpr std::size_t kMinRecordSize = kRecordHeader + crypto::kSignatureLen;

inline bool carries_address(State s) { return s == State::alive || s == State::left; }
std::size_t encoded_size(State s);

enum class RecordError : std::uint8_t { malformed, bad_state };

// Signs and encodes a record by `signer` (whose key goes in the record).
Bytes make_record(const crypto::Identity& signer, State state, const crypto::NodeId& subject,
                  std::uint64_t incarnation, const Endpoint& address);

// Parses exactly one record occupying all of `bytes`; does NOT verify.
Result<Record, RecordError> decode_record(ByteView bytes);
// The bytes the signature covers: everything before it.
ByteView signed_part(ByteView encoded);

}  // namespace hyphae::membership
