// What the Noise handshake messages carry as payload. msg1 travels before any
// key is agreed, so it carries nothing; msg2 and msg3 (encrypted) each carry
// a TLV frame holding exactly one Hello, optionally with Pad or optional
// (>= 64) TLVs. Anything else in a handshake is a peer fault, not a message.
#pragma once

#include "base/bytes.hpp"
#include "base/result.hpp"
#include "wire/drop.hpp"
#include "wire/tlv.hpp"

namespace hyphae::wire {

// msg1 payload: must be empty (trailing_bytes otherwise).
Result<void, Drop> decode_init_payload(ByteView payload);

// msg2/msg3 payload: exactly one Hello; a missing or repeated Hello, or any
// other known TLV, is bad_value; TLV errors pass through.
Result<Hello, Drop> decode_hello_payload(ByteView payload);
Bytes encode_hello_payload(const Hello& hello);

}  // namespace hyphae::wire
