// LAN beacon codec (docs/discovery.md §1). A beacon is one UDP datagram that
// says "a Hyphae node with this Ed25519 key listens on this mesh port":
//
//   magic "HYB1" (4) | version u8 | signing key (32) | mesh port u16 BE |
//   boot id u64 BE | sequence u64 BE | Ed25519 signature (64)
//
// The signature covers every byte before it, magic included, so a beacon can
// never be mistaken for another signed record. The receiver derives the NodeId
// from the key itself (crypto::node_id_of_signing_key), so a beacon cannot
// claim an id it holds no key for. Even a valid beacon is only a hint: the
// key is trusted once the Noise handshake to the advertised address proves it.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "base/bytes.hpp"
#include "base/result.hpp"
#include "crypto/identity.hpp"

namespace hyphae::discovery {

inline constexpr std::array<std::uint8_t, 4> kBeaconMagic{'H', 'Y', 'B', '1'};
// DESIGN.md §2: beacons go to UDP 9999 unless configured otherwise.
inline constexpr std::uint16_t kDefaultBeaconPort = 9999;
// magic, version, key, port, boot id, sequence.
inline constexpr std::size_t kBeaconSignedSize = 4 + 1 + 32 + 2 + 8 + 8;
inline constexpr std::size_t kBeaconSize = kBeaconSignedSize + crypto::kSignatureLen;
static_assert(kBeaconSize == 119, "docs/discovery.md documents a 119-byte beacon");

// Why a beacon was discarded. The codec produces bad_magic..bad_signature;
// LanDiscovery adds the rest. Indexes LanDiscovery::drops().
enum class BeaconDrop : std::uint8_t {
  bad_magic,      // not "HYB1": other traffic on the beacon port
  bad_version,    // a protocol version this build does not speak
  bad_length,     // not exactly kBeaconSize bytes
  bad_port,       // mesh port 0: nothing could be dialled
  bad_key,        // signing key is not a valid curve point, so it has no NodeId
  bad_signature,  // Ed25519 signature does not verify
  duplicate,      // same boot and sequence again (the runtime sends on several paths)
  replayed,       // older sequence of the current boot, or a boot the node has left
  rate_limited,   // the source address sent faster than its token bucket allows
  self,           // our own beacon, looped back
  count_,
};

inline constexpr std::size_t kBeaconDropCount = static_cast<std::size_t>(BeaconDrop::count_);

// snake_case, equal to the enumerator name: a metric label.
std::string_view name(BeaconDrop d);

struct Beacon {
  crypto::NodeId id;  // derived from signing_key, never read from the wire
  crypto::SigningPublicKey signing_key{};
  std::uint16_t mesh_port = 0;
  std::uint64_t boot_id = 0;  // random per process start
  std::uint64_t seq = 0;      // increases per beacon within one boot

  bool operator==(const Beacon&) const = default;
};

// Asserts mesh_port != 0 (the caller's obligation: it is our own listener).
Bytes encode_beacon(const crypto::Identity& identity, std::uint16_t mesh_port, std::uint64_t boot_id,
                    std::uint64_t seq);

// Total: any bytes give a Beacon or a drop reason; never throws or asserts.
Result<Beacon, BeaconDrop> decode_beacon(ByteView datagram);

}  // namespace hyphae::discovery
