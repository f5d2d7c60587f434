// libFuzzer: arbitrary bytes as UDP 6696 datagrams to a Babel interface
// speaker, from a few link-local sources, with timers in between. It must not
// crash or assert, and its neighbour table stays within its bound.
#include <cstddef>
#include <cstdint>

#include "base/assert.hpp"
#include "routing/babel_interface.hpp"

using namespace hyphae;
using namespace hyphae::routing;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const Instant t0{};
  BabelInterfaceConfig config;
  config.hello_interval = seconds(1);
  config.max_neighbours = 4;
  BabelInterface s(config, RouterId{{0xaa, 1, 1, 1, 1, 1, 1, 1}}, Rng(1), t0);
  Address self{0xfe, 0x80};
  self[15] = 1;
  s.add_interface(t0, 3, self);
  s.announce(t0, *Prefix::parse("fd00::1/128"));
  // The input is split at each 0xff 0xff pair into datagrams; the byte after
  // the pair picks the sender, so one input can build a neighbour and then
  // feed it routes.
  std::size_t start = 0;
  Instant now = t0;
  std::uint8_t sender = 2;
  for (std::size_t i = 0; i <= size; ++i) {
    const bool cut = i == size || (i + 1 < size && data[i] == 0xff && data[i + 1] == 0xff);
    if (!cut) continue;
    Address from{0xfe, 0x80};
    from[15] = sender;
    s.on_datagram(now, 3, from, ByteView(data + start, i - start));
    now += milliseconds(700);
    s.on_tick(now);
    while (s.poll_transmit()) {
    }
    while (s.poll_event()) {
    }
    if (i + 2 < size) sender = static_cast<std::uint8_t>(2 + data[i + 2] % 8);
    start = i + 2;
    i += 1;
  }
  HYPHAE_ASSERT(s.neighbours().size() <= config.max_neighbours);
  return 0;
}
