// libFuzzer: arbitrary datagrams into a Membership core that knows a few
// members. Nothing may crash, assert or grow without bound.
#include <cstddef>
#include <cstdint>

#include "crypto/key_source.hpp"
#include "membership/membership.hpp"

using namespace hyphae;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  static crypto::SeededKeySource keys(1);
  static const crypto::Identity self = crypto::Identity::generate(keys);
  static const crypto::Identity peer = crypto::Identity::generate(keys);
  static membership::MemoVerifier verifier;
  membership::Membership m({}, self, verifier, Endpoint::v4(0x7f000001, 1), 0, Rng(1), Instant{});
  const Endpoint peer_addr = Endpoint::v4(0x7f000002, 2);
  // Teach it one member first, so records about a known member reach the signature check.
  membership::GossipWriter w(peer.id);
  w.add(
      membership::RecordItem{membership::make_record(peer, membership::State::alive, peer.id, 0, peer_addr)});
  const Bytes intro = w.finish();
  m.on_packet(Instant{}, peer_addr, intro);
  m.on_packet(Instant{} + milliseconds(1), peer_addr, ByteView(data, size));
  m.on_tick(Instant{} + seconds(2));
  while (m.poll_transmit()) {
  }
  while (m.poll_event()) {
  }
  return 0;
}
