#include "discovery/beacon.hpp"

#include <algorithm>

#include "base/assert.hpp"
#include "wire/packet.hpp"
#include "wire/reader.hpp"
#include "wire/writer.hpp"

namespace hyphae::discovery {

std::string_view name(BeaconDrop d) {
  // No default: -Wswitch flags a new reason that has no label yet.
  switch (d) {
    case BeaconDrop::bad_magic:
      return "bad_magic";
    case BeaconDrop::bad_version:
      return "bad_version";
    case BeaconDrop::bad_length:
      return "bad_length";
    case BeaconDrop::bad_port:
      return "bad_port";
    case BeaconDrop::bad_key:
      return "bad_key";
    case BeaconDrop::bad_signature:
      return "bad_signature";
    case BeaconDrop::duplicate:
      return "duplicate";
    case BeaconDrop::replayed:
      return "replayed";
    case BeaconDrop::rate_limited:
      return "rate_limited";
    case BeaconDrop::self:
      return "self";
    case BeaconDrop::count_:
      break;
  }
  return "invalid";
}

Bytes encode_beacon(const crypto::Identity& identity, std::uint16_t mesh_port, std::uint64_t boot_id,
                    std::uint64_t seq) {
  HYPHAE_ASSERT(mesh_port != 0);
  Bytes out;
  out.reserve(kBeaconSize);
  wire::Writer w{out};
  w.bytes(kBeaconMagic);
  w.u8(wire::kProtocolVersion);
  w.bytes(identity.signing_pub);
  w.u16(mesh_port);
  w.u64(boot_id);
  w.u64(seq);
  HYPHAE_ASSERT(out.size() == kBeaconSignedSize);
  const crypto::Signature sig = identity.sign(out);
  w.bytes(sig);
  HYPHAE_ASSERT(out.size() == kBeaconSize);
  return out;
}

Result<Beacon, BeaconDrop> decode_beacon(ByteView datagram) {
  // Cheap checks first, in the order that names foreign traffic best: anything
  // that is not ours is bad_magic, a future format is bad_version, and only
  // then does the length of this version apply. The signature check (the
  // expensive one) comes last.
  if (datagram.size() < kBeaconMagic.size()) return fail(BeaconDrop::bad_length);
  if (!std::equal(kBeaconMagic.begin(), kBeaconMagic.end(), datagram.begin()))
    return fail(BeaconDrop::bad_magic);
  if (datagram.size() < kBeaconMagic.size() + 1) return fail(BeaconDrop::bad_length);
  if (datagram[kBeaconMagic.size()] != wire::kProtocolVersion) return fail(BeaconDrop::bad_version);
  if (datagram.size() != kBeaconSize) return fail(BeaconDrop::bad_length);

  wire::Reader r{datagram};
  Beacon b;
  ByteView magic, key, sig;
  std::uint8_t version = 0;
  const bool ok = r.take(kBeaconMagic.size(), magic) && r.u8(version) && r.take(b.signing_key.size(), key) &&
                  r.u16(b.mesh_port) && r.u64(b.boot_id) && r.u64(b.seq) &&
                  r.take(crypto::kSignatureLen, sig) && r.done();
  HYPHAE_ASSERT(ok);  // exact length checked above
  std::copy(key.begin(), key.end(), b.signing_key.begin());
  if (b.mesh_port == 0) return fail(BeaconDrop::bad_port);

  const auto id = crypto::node_id_of_signing_key(b.signing_key);
  if (!id) return fail(BeaconDrop::bad_key);
  b.id = *id;
  crypto::Signature signature{};
  std::copy(sig.begin(), sig.end(), signature.begin());
  if (!crypto::verify_signature(b.signing_key, datagram.first(kBeaconSignedSize), signature))
    return fail(BeaconDrop::bad_signature);
  return b;
}

}  // namespace hyphae::discovery
