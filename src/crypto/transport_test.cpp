// Goal: TransportCipher round-trips, authenticates, drops replays and accepts
// reordering. Method: two ciphers from one real XX handshake.
#include "crypto/transport.hpp"

#include <gtest/gtest.h>

#include <string_view>

#include "base/assert.hpp"
#include "crypto/noise.hpp"

namespace hyphae::crypto {
namespace {

struct Ends {
  TransportCipher initiator;
  TransportCipher responder;
};

Ends handshake() {
  SeededKeySource ki(11), kr(12);
  auto i = HandshakeState::create({.protocol_name = "Noise_XX_25519_ChaChaPoly_BLAKE2b",
                                   .initiator = true,
                                   .s = KeyPair::generate(ki),
                                   .keys = &ki});
  auto r = HandshakeState::create({.protocol_name = "Noise_XX_25519_ChaChaPoly_BLAKE2b",
                                   .initiator = false,
                                   .s = KeyPair::generate(kr),
                                   .keys = &kr});
  HYPHAE_ASSERT(i && r);
  auto m1 = i->write_message({});
  HYPHAE_ASSERT(m1 && r->read_message(*m1));
  auto m2 = r->write_message({});
  HYPHAE_ASSERT(m2 && i->read_message(*m2));
  auto m3 = i->write_message({});
  HYPHAE_ASSERT(m3 && r->read_message(*m3));
  return Ends{TransportCipher::from_handshake(*i), TransportCipher::from_handshake(*r)};
}

// Every test gets fresh ends of one handshake; most send a packet from the
// initiator with seal() and check what the responder makes of `wire` and `n`.
class CryptoTransport : public ::testing::Test {
 protected:
  // The initiator seals msg, appending to `wire`; its counter goes to `n`.
  ::testing::AssertionResult seal(ByteView ad, std::string_view msg) {
    auto counter = e.initiator.seal(ad, as_bytes(msg), wire);
    if (!counter) return ::testing::AssertionFailure() << "seal: " << name(counter.error());
    n = *counter;
    return ::testing::AssertionSuccess();
  }

  Ends e = handshake();
  Bytes wire;
  std::uint64_t n = 0;
};

TEST_F(CryptoTransport, SealOpenRoundTripBothWays) {
  wire = {0xaa};  // seal appends after existing bytes (a header, say)
  ASSERT_TRUE(seal(as_bytes("hdr"), "ping"));
  EXPECT_EQ(n, 0u);
  EXPECT_EQ(wire.size(), 1 + 4 + kTagLen);
  EXPECT_EQ(e.initiator.sent_count(), 1u);
  auto got = e.responder.open(n, as_bytes("hdr"), ByteView(wire).subspan(1));
  ASSERT_TRUE(got);
  EXPECT_EQ(as_chars(*got), "ping");

  Bytes back;
  auto n2 = e.responder.seal({}, as_bytes("pong"), back);
  ASSERT_TRUE(n2);
  auto got2 = e.initiator.open(*n2, {}, back);
  ASSERT_TRUE(got2);
  EXPECT_EQ(as_chars(*got2), "pong");
}

TEST_F(CryptoTransport, MatchesNoiseCipherStateFraming) {
  // The explicit-counter AEAD is the Noise one: a CipherState with the same
  // key decrypts message n at its nonce n.
  SymmetricKey k{};
  k.fill(3);
  TransportCipher t{CipherState(k), CipherState(k)};
  CipherState noise(k);
  for (int i = 0; i < 3; ++i) {
    Bytes sealed;
    ASSERT_TRUE(t.seal(as_bytes("ad"), as_bytes("msg"), sealed));
    auto plain = noise.decrypt_with_ad(as_bytes("ad"), sealed);
    ASSERT_TRUE(plain);
    EXPECT_EQ(as_chars(*plain), "msg");
  }
}

TEST_F(CryptoTransport, TamperedCiphertextIsBadAuthAndDoesNotBurnCounter) {
  ASSERT_TRUE(seal({}, "payload"));
  Bytes bad = wire;
  bad[2] ^= 0x01;
  EXPECT_EQ(e.responder.open(n, {}, bad).error(), TransportError::bad_auth);
  EXPECT_EQ(e.responder.open(n, as_bytes("other ad"), wire).error(), TransportError::bad_auth);
  EXPECT_EQ(e.responder.open(n + 1, {}, wire).error(), TransportError::bad_auth);
  // The genuine packet still opens: failures recorded nothing.
  EXPECT_TRUE(e.responder.open(n, {}, wire));
}

TEST_F(CryptoTransport, ReplayIsRejected) {
  ASSERT_TRUE(seal({}, "once"));
  EXPECT_TRUE(e.responder.open(n, {}, wire));
  EXPECT_EQ(e.responder.open(n, {}, wire).error(), TransportError::replayed);
}

TEST_F(CryptoTransport, OutOfOrderWithinWindowAccepted) {
  std::vector<Bytes> packets(100);
  for (auto& p : packets) ASSERT_TRUE(e.initiator.seal({}, as_bytes("x"), p));
  // Deliver newest first, then the rest backwards.
  for (std::size_t i = packets.size(); i-- > 0;) EXPECT_TRUE(e.responder.open(i, {}, packets[i])) << i;
  for (std::size_t i = 0; i < packets.size(); ++i) {
    EXPECT_EQ(e.responder.open(i, {}, packets[i]).error(), TransportError::replayed);
  }
}

TEST_F(CryptoTransport, TooShortAndLimits) {
  EXPECT_EQ(e.responder.open(0, {}, Bytes(kTagLen - 1)).error(), TransportError::too_short);
  EXPECT_EQ(e.responder.open(kRejectAfterMessages, {}, Bytes(kTagLen)).error(), TransportError::replayed);
  EXPECT_EQ(name(TransportError::exhausted), "exhausted");
}

TEST_F(CryptoTransport, SealIntoWorksInPlace) {
  Bytes buf = {'a', 'b', 'c', 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0};
  ASSERT_EQ(buf.size(), 3 + kTagLen);
  auto counter = e.initiator.seal_into({}, ByteView(buf).first(3), buf);
  ASSERT_TRUE(counter);
  auto got = e.responder.open(*counter, {}, buf);
  ASSERT_TRUE(got);
  EXPECT_EQ(as_chars(*got), "abc");
}

TEST_F(CryptoTransport, OpenInPlaceDecryptsInTheCiphertextsMemory) {
  ASSERT_TRUE(seal(as_bytes("hdr"), "in place"));
  auto got = e.responder.open_in_place(n, as_bytes("hdr"), wire);
  ASSERT_TRUE(got);
  EXPECT_EQ(got->data(), wire.data());
  EXPECT_EQ(as_chars(*got), "in place");
}

TEST_F(CryptoTransport, OpenIntoAReusedBuffer) {
  Bytes out(5);
  for (std::string_view msg : {"first", "again"}) {
    wire.clear();
    ASSERT_TRUE(seal({}, msg));
    ASSERT_TRUE(e.responder.open_into(n, {}, wire, out));
    EXPECT_EQ(as_chars(out), msg);
  }
  EXPECT_EQ(e.responder.open_into(0, {}, Bytes(kTagLen - 1), out).error(), TransportError::too_short);
}

TEST_F(CryptoTransport, OpenInPlaceTamperedIsBadAuthAndDoesNotBurnCounter) {
  ASSERT_TRUE(seal({}, "payload"));
  Bytes bad = wire;
  bad[2] ^= 0x01;
  EXPECT_EQ(e.responder.open_in_place(n, {}, bad).error(), TransportError::bad_auth);
  Bytes copy = wire;
  EXPECT_EQ(e.responder.open_in_place(n, as_bytes("other ad"), copy).error(), TransportError::bad_auth);
  copy = wire;
  auto got = e.responder.open_in_place(n, {}, copy);
  ASSERT_TRUE(got);
  EXPECT_EQ(as_chars(*got), "payload");
}

TEST_F(CryptoTransport, OpenInPlaceReplayIsRejectedAndLeavesTheBufferAlone) {
  ASSERT_TRUE(seal({}, "once"));
  Bytes first = wire;
  ASSERT_TRUE(e.responder.open_in_place(n, {}, first));
  Bytes again = wire;
  EXPECT_EQ(e.responder.open_in_place(n, {}, again).error(), TransportError::replayed);
  EXPECT_EQ(again, wire);  // refused before any AEAD work
  // open and open_in_place share one window.
  EXPECT_EQ(e.responder.open(n, {}, wire).error(), TransportError::replayed);
  Bytes short_buf(kTagLen - 1);
  EXPECT_EQ(e.responder.open_in_place(n + 1, {}, short_buf).error(), TransportError::too_short);
}

}  // namespace
}  // namespace hyphae::crypto
