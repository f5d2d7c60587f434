// libFuzzer: arbitrary bytes as a Babel body. The codec is total; every TLV
// it returns re-encodes to bytes that decode to the same TLV; and a Router
// with some state survives the body and the timers that follow (no crash,
// no assert, no unbounded growth).
#include <cstddef>
#include <cstdint>

#include "base/assert.hpp"
#include "routing/routing.hpp"
#include "routing/tlv.hpp"

using namespace hyphae;
using namespace hyphae::routing;

namespace {

Tlv strip(Tlv t) {
  if (auto* u = std::get_if<Update>(&t)) {
    u->router_id.reset();
    u->next_hop.reset();
  }
  return t;
}

void round_trip(const Tlv& t) {
  if (std::holds_alternative<Ignored>(t)) return;
  Bytes b;
  const auto* u = std::get_if<Update>(&t);
  if (u != nullptr && u->router_id) append_tlv(b, RouterIdTlv{*u->router_id});
  append_tlv(b, strip(t));
  Tlv last = Pad1{};
  auto n = for_each_tlv(b, [&](const Tlv& x) { last = x; });
  HYPHAE_ASSERT(n.has_value());
  HYPHAE_ASSERT(strip(last) == strip(t));
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const ByteView in(data, size);
  std::size_t seen = 0;
  auto n = for_each_tlv(in, [&](const Tlv& t) {
    ++seen;
    round_trip(t);
  });
  if (n) HYPHAE_ASSERT(*n == seen);
  (void)parse_packet(in);

  const Instant t0{};
  NeighbourId a, b;
  a.bytes[0] = 1;
  b.bytes[0] = 2;
  Router r({}, RouterId{{0xaa, 1, 1, 1, 1, 1, 1, 1}}, Rng(1), t0);
  r.announce(t0, *Prefix::parse("fd00::1/128"));
  r.add_neighbour(t0, a);
  r.add_neighbour(t0, b);
  Bytes intro;
  append_tlv(intro, RouterIdTlv{RouterId{{0xbb, 2, 2, 2, 2, 2, 2, 2}}});
  append_tlv(intro, Update{Ae::ipv6, 0, 400, 3, 100, *Prefix::parse("fd00::2/128"), {}, {}});
  r.on_packet(t0, a, intro);
  r.on_packet(t0 + milliseconds(1), a, in);
  r.on_packet(t0 + milliseconds(2), b, in);
  for (int s = 1; s <= 20; ++s) {
    r.on_tick(t0 + seconds(s));
    while (r.poll_transmit()) {
    }
    while (r.poll_event()) {
    }
  }
  r.remove_neighbour(t0 + seconds(21), a);
  HYPHAE_ASSERT(r.routes().size() <= 1u + size / 2);
  return 0;
}
