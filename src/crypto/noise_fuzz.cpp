// libFuzzer target: arbitrary bytes into HandshakeState::read_message at each
// step of an XX handshake with fixed keys. The first input byte picks the
// step: responder reading msg1, initiator reading msg2 (after a genuine
// msg1), or responder reading msg3 (after genuine msg1 and msg2). The rest is
// the message. read_message must return (value or error) without tripping
// ASan/UBSan or an assertion.
#include <cstddef>
#include <cstdint>

#include "base/assert.hpp"
#include "crypto/noise.hpp"

namespace {

using namespace hyphae;
using namespace hyphae::crypto;

KeyPair fixed_key(std::uint8_t fill) {
  PrivateKey priv{};
  priv.fill(fill);
  return KeyPair::from_private(priv);
}

HandshakeState make(bool initiator) {
  auto hs = HandshakeState::create({.protocol_name = "Noise_XX_25519_ChaChaPoly_BLAKE2b",
                                    .initiator = initiator,
                                    .prologue = Bytes{'h', 'y', 'p', 'h', 'a', 'e'},
                                    .s = fixed_key(initiator ? 1 : 2),
                                    .e = fixed_key(initiator ? 3 : 4)});
  HYPHAE_ASSERT(hs.has_value());
  return std::move(*hs);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size == 0) return 0;
  const std::uint8_t step = data[0] % 3;
  const ByteView message(data + 1, size - 1);

  HandshakeState initiator = make(true);
  HandshakeState responder = make(false);
  if (step == 0) {
    (void)responder.read_message(message);
    return 0;
  }
  auto msg1 = initiator.write_message({});
  HYPHAE_ASSERT(msg1 && responder.read_message(*msg1));
  if (step == 1) {
    // A forged msg2 can only fail: authenticating it needs the responder's keys.
    HYPHAE_ASSERT(!initiator.read_message(message));
    return 0;
  }
  auto msg2 = responder.write_message({});
  HYPHAE_ASSERT(msg2 && initiator.read_message(*msg2));
  (void)responder.read_message(message);
  return 0;
}
