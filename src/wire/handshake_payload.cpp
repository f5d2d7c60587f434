#include "wire/handshake_payload.hpp"

#include <optional>

namespace hyphae::wire {

Result<void, Drop> decode_init_payload(ByteView payload) {
  if (!payload.empty()) return fail(Drop::trailing_bytes);
  return {};
}

Result<Hello, Drop> decode_hello_payload(ByteView payload) {
  TlvArray tlvs;
  auto n = decode_tlvs(payload, tlvs);
  if (!n) return fail(n.error());
  std::optional<Hello> hello;
  for (std::size_t i = 0; i < *n; ++i) {
    const Hello* h = std::get_if<Hello>(&tlvs[i]);
    // Data TLVs before the session is confirmed would bypass the handshake.
    if (h == nullptr || hello) return fail(Drop::bad_value);
    hello = *h;
  }
  if (!hello) return fail(Drop::bad_value);
  return *hello;
}

Bytes encode_hello_payload(const Hello& hello) {
  Bytes out;
  append_tlv(out, hello);
  return out;
}

}  // namespace hyphae::wire
