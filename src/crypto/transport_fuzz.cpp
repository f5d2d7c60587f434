// libFuzzer target: TransportCipher::open with arbitrary counters and
// ciphertexts, interleaved with genuine packets delivered at fuzzer-chosen
// counters, so the replay window sees reordering, replays and forgeries.
// Input: records of [op:1][counter:8 LE][len:1][len bytes].
#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <vector>

#include "base/assert.hpp"
#include "crypto/transport.hpp"

namespace {

using namespace hyphae;
using namespace hyphae::crypto;

std::uint64_t load_u64(const std::uint8_t* p) {
  std::uint64_t v = 0;
  for (int i = 7; i >= 0; --i) v = v << 8 | p[i];
  return v;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  SymmetricKey key{};
  key.fill(0x5a);
  TransportCipher sender{CipherState(key), CipherState(key)};
  TransportCipher receiver{CipherState(key), CipherState(key)};
  std::vector<Bytes> sent;

  ByteView in(data, size);
  while (in.size() >= 10) {
    const std::uint8_t op = in[0];
    const std::uint64_t counter = load_u64(in.data() + 1);
    const std::size_t len = std::min<std::size_t>(in[9], in.size() - 10);
    const ByteView body = in.subspan(10, len);
    in = in.subspan(10 + len);

    if (op & 1) {
      // Genuine traffic: seal, then deliver some earlier packet at its true counter.
      Bytes wire;
      auto n = sender.seal({}, body, wire);
      HYPHAE_ASSERT(n && *n == sent.size());
      sent.push_back(std::move(wire));
      const std::uint64_t pick = counter % sent.size();
      auto got = receiver.open(pick, {}, sent[pick]);
      HYPHAE_ASSERT(got || got.error() == TransportError::replayed);
    } else {
      auto got = receiver.open(counter, body.first(body.size() / 2), body.subspan(body.size() / 2));
      // Forging a tag is infeasible; anything but a genuine packet is refused.
      HYPHAE_ASSERT(!got);
    }
  }
  return 0;
}
