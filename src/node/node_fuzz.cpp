// Feeds arbitrary datagrams to a whole Node, the way the runtime would: no
// input may crash it, and every datagram must be either processed or counted
// as dropped. The input is split into datagrams at 0xff 0xfe markers so the
// fuzzer can build multi-packet exchanges.
#include <cstddef>
#include <cstdint>
#include <span>

#include "node/node.hpp"

using namespace hyphae;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  static crypto::SeededKeySource keys(1);
  static const crypto::Identity identity = crypto::Identity::generate(keys);
  node::Node node({}, identity, keys, Rng{2}, Instant{0});
  const Endpoint from = Endpoint::v4(0x0a000002, 9900);
  std::span<const std::uint8_t> rest(data, size);
  Instant now{0};
  while (!rest.empty()) {
    std::size_t cut = 0;
    while (cut + 1 < rest.size() && !(rest[cut] == 0xff && rest[cut + 1] == 0xfe)) ++cut;
    if (cut + 1 >= rest.size()) cut = rest.size();
    node.on_datagram(now, from, rest.first(cut));
    rest = rest.subspan(std::min(rest.size(), cut + 2));
    now += milliseconds(1);
    while (node.poll_transmit()) {
    }
    while (node.poll_event()) {
    }
  }
  node.on_tick(now + seconds(30));
  return 0;
}
