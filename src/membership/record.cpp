#include "membership/record.hpp"

#include <algorithm>

#include "base/assert.hpp"
#include "wire/reader.hpp"
#include "wire/writer.hpp"

namespace hyphae::membership {

std::string_view name(State s) {
  switch (s) {
    case State::alive:
      return "alive";
    case State::suspect:
      return "suspect";
    case State::dead:
      return "dead";
    case State::left:
      return "left";
  }
  return "unknown";
}

std::size_t encoded_size(State s) {
  return kRecordHeader + (carries_address(s) ? kAddressSize : 0) + crypto::kSignatureLen;
}

Bytes make_record(const crypto::Identity& signer, State state, const crypto::NodeId& subject,
                  std::uint64_t incarnation, const Endpoint& address) {
  Bytes out;
  out.reserve(encoded_size(state));
  wire::Writer w(out);
  w.u8(static_cast<std::uint8_t>(state));
  w.bytes(subject.bytes);
  w.u64(incarnation);
  w.bytes(signer.signing_pub);
  if (carries_address(state)) {
    w.bytes(address.ip);
    w.u16(address.port);
  }
  const crypto::Signature sig = signer.sign(out);
  w.bytes(sig);
  HYPHAE_ASSERT(out.size() == encoded_size(state));
  return out;
}

Result<Record, RecordError> decode_record(ByteView bytes) {
  wire::Reader r(bytes);
  Record rec;
  std::uint8_t state = 0;
  ByteView subject, signer, ip, sig;
  if (!r.u8(state)) return fail(RecordError::malformed);
  if (state < 1 || state > 4) return fail(RecordError::bad_state);
  rec.state = static_cast<State>(state);
  if (!r.take(crypto::NodeId::kLen, subject) || !r.u64(rec.incarnation) || !r.take(32, signer)) {
    return fail(RecordError::malformed);
  }
  if (carries_address(rec.state) && (!r.take(16, ip) || !r.u16(rec.address.port))) {
    return fail(RecordError::malformed);
  }
  if (!r.take(crypto::kSignatureLen, sig) || !r.done()) return fail(RecordError::malformed);
  std::copy(subject.begin(), subject.end(), rec.subject.bytes.begin());
  std::copy(signer.begin(), signer.end(), rec.signer.begin());
  std::copy(ip.begin(), ip.end(), rec.address.ip.begin());
  std::copy(sig.begin(), sig.end(), rec.signature.begin());
  return rec;
}

ByteView signed_part(ByteView encoded) {
  HYPHAE_ASSERT(encoded.size() >= crypto::kSignatureLen);
  return encoded.first(encoded.size() - crypto::kSignatureLen);
}

}  // namespace hyphae::membership
