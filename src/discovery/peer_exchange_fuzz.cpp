// libFuzzer: decode_peer_list is total and a list it accepts re-encodes to
// exactly the input (the format has one encoding per list).
#include <cstddef>
#include <cstdint>

#include "base/assert.hpp"
#include "discovery/peer_exchange.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace hyphae;
  const ByteView in(data, size);
  auto peers = discovery::decode_peer_list(in);
  if (!peers) {
    HYPHAE_ASSERT(peers.error() < wire::Drop::count_);
    return 0;
  }
  HYPHAE_ASSERT(peers->size() <= discovery::kMaxExchangePeers);
  const Bytes again = discovery::encode_peer_list(*peers);
  HYPHAE_ASSERT(again.size() == size);
  HYPHAE_ASSERT(std::equal(again.begin(), again.end(), data));
  return 0;
}
