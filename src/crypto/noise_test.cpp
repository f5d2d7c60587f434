// Goal: HandshakeState behaves per Noise rev 34 beyond the fixed vectors:
// full handshakes with drawn keys, PSK mismatch, turn discipline, poisoning
// after errors, bounds, and totality of read_message on arbitrary bytes.
// Method: two in-memory HandshakeStates with SeededKeySources.
#include "crypto/noise.hpp"

#include <gtest/gtest.h>
#include <rapidcheck/gtest.h>

namespace hyphae::crypto {
namespace {

constexpr const char* kXX = "Noise_XX_25519_ChaChaPoly_BLAKE2b";
constexpr const char* kXXpsk3 = "Noise_XXpsk3_25519_ChaChaPoly_BLAKE2b";

struct Pair {
  HandshakeState initiator;
  HandshakeState responder;
};

Pair make_pair(const char* protocol, KeySource& keys_i, KeySource& keys_r, std::vector<Psk> psks_i = {},
               std::vector<Psk> psks_r = {}) {
  auto i = HandshakeState::create({.protocol_name = protocol,
                                   .initiator = true,
                                   .prologue = Bytes{1, 2, 3},
                                   .s = KeyPair::generate(keys_i),
                                   .psks = std::move(psks_i),
                                   .keys = &keys_i});
  auto r = HandshakeState::create({.protocol_name = protocol,
                                   .initiator = false,
                                   .prologue = Bytes{1, 2, 3},
                                   .s = KeyPair::generate(keys_r),
                                   .psks = std::move(psks_r),
                                   .keys = &keys_r});
  EXPECT_TRUE(i.has_value());
  EXPECT_TRUE(r.has_value());
  return Pair{std::move(*i), std::move(*r)};
}

// Runs the handshake to completion; returns the first error, if any.
std::optional<NoiseError> run(Pair& p) {
  HandshakeState* writer = &p.initiator;
  HandshakeState* reader = &p.responder;
  std::uint8_t n = 0;
  while (!writer->is_finished()) {
    const Bytes payload(n, n);
    auto msg = writer->write_message(payload);
    if (!msg) return msg.error();
    auto got = reader->read_message(*msg);
    if (!got) return got.error();
    EXPECT_EQ(*got, payload);
    std::swap(writer, reader);
    ++n;
  }
  return std::nullopt;
}

TEST(CryptoNoise, XXHandshakeAgreesOnKeysAndStatics) {
  SeededKeySource ki(1), kr(2);
  Pair p = make_pair(kXX, ki, kr);
  EXPECT_TRUE(p.initiator.is_my_turn());
  EXPECT_FALSE(p.responder.is_my_turn());
  ASSERT_EQ(run(p), std::nullopt);
  ASSERT_TRUE(p.initiator.is_finished());
  ASSERT_TRUE(p.responder.is_finished());
  EXPECT_EQ(p.initiator.handshake_hash(), p.responder.handshake_hash());

  SeededKeySource ki2(1), kr2(2);
  EXPECT_EQ(p.initiator.remote_static(), KeyPair::generate(kr2).pub);
  EXPECT_EQ(p.responder.remote_static(), KeyPair::generate(ki2).pub);

  auto [i_send, i_recv] = p.initiator.split();
  auto [r_recv, r_send] = p.responder.split();
  auto c = i_send.encrypt_with_ad({}, as_bytes("hello"));
  ASSERT_TRUE(c);
  auto m = r_recv.decrypt_with_ad({}, *c);
  ASSERT_TRUE(m);
  EXPECT_EQ(as_chars(*m), "hello");
  auto c2 = r_send.encrypt_with_ad(as_bytes("ad"), as_bytes("back"));
  ASSERT_TRUE(c2);
  EXPECT_FALSE(i_recv.decrypt_with_ad(as_bytes("AD"), *c2));  // wrong ad
  EXPECT_TRUE(i_recv.decrypt_with_ad(as_bytes("ad"), *c2));   // n did not advance on failure
}

TEST(CryptoNoise, SeededHandshakesReplayExactly) {
  SeededKeySource a1(5), b1(6), a2(5), b2(6);
  Pair p1 = make_pair(kXX, a1, b1);
  Pair p2 = make_pair(kXX, a2, b2);
  ASSERT_EQ(run(p1), std::nullopt);
  ASSERT_EQ(run(p2), std::nullopt);
  EXPECT_EQ(p1.initiator.handshake_hash(), p2.initiator.handshake_hash());
}

TEST(CryptoNoise, XXpsk3WithSamePskSucceeds) {
  SeededKeySource ki(1), kr(2);
  Psk psk{};
  psk.fill(0x42);
  Pair p = make_pair(kXXpsk3, ki, kr, {psk}, {psk});
  EXPECT_EQ(run(p), std::nullopt);
  EXPECT_EQ(p.initiator.handshake_hash(), p.responder.handshake_hash());
}

TEST(CryptoNoise, XXpsk3MismatchFailsAtResponder) {
  SeededKeySource ki(1), kr(2);
  Psk psk_i{}, psk_r{};
  psk_i.fill(0x42);
  psk_r.fill(0x43);
  Pair p = make_pair(kXXpsk3, ki, kr, {psk_i}, {psk_r});
  auto m1 = p.initiator.write_message({});
  ASSERT_TRUE(m1);
  ASSERT_TRUE(p.responder.read_message(*m1));
  auto m2 = p.responder.write_message({});
  ASSERT_TRUE(m2);
  ASSERT_TRUE(p.initiator.read_message(*m2));
  auto m3 = p.initiator.write_message(as_bytes("secret"));
  ASSERT_TRUE(m3);
  auto r3 = p.responder.read_message(*m3);
  ASSERT_FALSE(r3);
  EXPECT_EQ(r3.error(), NoiseError::decrypt_failed);
  // The failed state is unusable: it repeats the error and is neither finished nor waiting.
  EXPECT_FALSE(p.responder.is_finished());
  EXPECT_FALSE(p.responder.is_my_turn());
  EXPECT_EQ(p.responder.read_message(*m3).error(), NoiseError::decrypt_failed);
  EXPECT_EQ(p.responder.write_message({}).error(), NoiseError::decrypt_failed);
}

TEST(CryptoNoise, PskCountMustMatchPattern) {
  SeededKeySource keys(1);
  auto none = HandshakeState::create(
      {.protocol_name = kXXpsk3, .initiator = true, .s = KeyPair::generate(keys), .keys = &keys});
  ASSERT_FALSE(none);
  EXPECT_EQ(none.error(), NoiseError::missing_key);
  auto extra = HandshakeState::create({.protocol_name = kXX,
                                       .initiator = true,
                                       .s = KeyPair::generate(keys),
                                       .psks = {Psk{}},
                                       .keys = &keys});
  ASSERT_FALSE(extra);
  EXPECT_EQ(extra.error(), NoiseError::missing_key);
}

TEST(CryptoNoise, CreateChecksNameAndKeys) {
  SeededKeySource keys(1);
  EXPECT_EQ(HandshakeState::create({.protocol_name = "Noise_XX_25519_AESGCM_SHA256", .keys = &keys}).error(),
            NoiseError::bad_protocol_name);
  // XX needs a local static.
  EXPECT_EQ(HandshakeState::create({.protocol_name = kXX, .initiator = true, .keys = &keys}).error(),
            NoiseError::missing_key);
  // IK's initiator needs the responder's static in advance.
  EXPECT_EQ(HandshakeState::create({.protocol_name = "Noise_IK_25519_ChaChaPoly_BLAKE2b",
                                    .initiator = true,
                                    .s = KeyPair::generate(keys),
                                    .keys = &keys})
                .error(),
            NoiseError::missing_key);
  // Without a KeySource or fixed ephemeral there is no `e`.
  EXPECT_EQ(HandshakeState::create({.protocol_name = "Noise_NN_25519_ChaChaPoly_BLAKE2b", .initiator = true})
                .error(),
            NoiseError::missing_key);
}

TEST(CryptoNoise, TurnsAndFinish) {
  SeededKeySource ki(1), kr(2);
  Pair p = make_pair("Noise_NN_25519_ChaChaPoly_BLAKE2b", ki, kr);
  EXPECT_EQ(p.responder.write_message({}).error(), NoiseError::wrong_turn);
  EXPECT_EQ(p.initiator.read_message(Bytes(32)).error(), NoiseError::wrong_turn);
  // wrong_turn poisons too: a caller that lost track of turns cannot continue.
  EXPECT_EQ(p.initiator.write_message({}).error(), NoiseError::wrong_turn);
  SeededKeySource ki2(1), kr2(2);
  Pair q = make_pair("Noise_NN_25519_ChaChaPoly_BLAKE2b", ki2, kr2);
  ASSERT_EQ(run(q), std::nullopt);
  EXPECT_EQ(q.initiator.write_message({}).error(), NoiseError::finished);
  EXPECT_EQ(q.responder.read_message(Bytes(48)).error(), NoiseError::finished);
}

TEST(CryptoNoise, IKWithWrongResponderKeyFails) {
  SeededKeySource ki(1), kr(2), other(3);
  const KeyPair responder_keys = KeyPair::generate(kr);
  auto i = HandshakeState::create({.protocol_name = "Noise_IK_25519_ChaChaPoly_BLAKE2b",
                                   .initiator = true,
                                   .s = KeyPair::generate(ki),
                                   .rs = KeyPair::generate(other).pub,
                                   .keys = &ki});
  auto r = HandshakeState::create({.protocol_name = "Noise_IK_25519_ChaChaPoly_BLAKE2b",
                                   .initiator = false,
                                   .s = responder_keys,
                                   .keys = &kr});
  ASSERT_TRUE(i && r);
  auto m1 = i->write_message({});
  ASSERT_TRUE(m1);
  EXPECT_EQ(r->read_message(*m1).error(), NoiseError::decrypt_failed);
}

TEST(CryptoNoise, TruncatedAndLowOrderMessagesAreBadMessages) {
  SeededKeySource ki(1), kr(2);
  Pair p = make_pair(kXX, ki, kr);
  auto m1 = p.initiator.write_message({});
  ASSERT_TRUE(m1);
  EXPECT_EQ(p.responder.read_message(ByteView(*m1).first(31)).error(), NoiseError::bad_message);

  // A responder ephemeral of all zeros is a low-order point: ee must fail.
  SeededKeySource ki2(1), kr2(2);
  Pair q = make_pair(kXX, ki2, kr2);
  ASSERT_TRUE(q.initiator.write_message({}));
  EXPECT_EQ(q.initiator.read_message(Bytes(32 + 48 + 16, 0)).error(), NoiseError::bad_message);
}

TEST(CryptoNoise, MessagesAreBoundedBy65535) {
  SeededKeySource ki(1), kr(2);
  Pair p = make_pair("Noise_NN_25519_ChaChaPoly_BLAKE2b", ki, kr);
  // NN message 1 is e (32) + plaintext payload.
  EXPECT_EQ(p.initiator.write_message(Bytes(kNoiseMessageMax - 32 + 1)).error(), NoiseError::too_long);
  SeededKeySource ki2(1), kr2(2);
  Pair q = make_pair("Noise_NN_25519_ChaChaPoly_BLAKE2b", ki2, kr2);
  auto m1 = q.initiator.write_message(Bytes(kNoiseMessageMax - 32));
  ASSERT_TRUE(m1);
  EXPECT_EQ(m1->size(), kNoiseMessageMax);
  EXPECT_TRUE(q.responder.read_message(*m1));
  auto m2 = q.responder.write_message(Bytes(kNoiseMessageMax - 32 - 16 + 1));
  EXPECT_EQ(m2.error(), NoiseError::too_long);
  EXPECT_EQ(q.responder.read_message(Bytes(kNoiseMessageMax + 1)).error(), NoiseError::too_long);
}

TEST(CryptoNoise, CipherStateRekeyAndNonceLimit) {
  SymmetricKey k{};
  k.fill(1);
  CipherState a(k), b(k);
  a.rekey();
  auto c = a.encrypt_with_ad({}, as_bytes("x"));
  ASSERT_TRUE(c);
  EXPECT_FALSE(b.decrypt_with_ad({}, *c));
  b.rekey();
  EXPECT_TRUE(b.decrypt_with_ad({}, *c));

  a.set_nonce(kNonceReserved);
  EXPECT_EQ(a.encrypt_with_ad({}, {}).error(), NoiseError::nonce_exhausted);
  CipherState moved(std::move(a));
  EXPECT_TRUE(moved.has_key());
  // Moves wipe the source.
  EXPECT_FALSE(a.has_key());  // NOLINT(bugprone-use-after-move,clang-analyzer-cplusplus.Move)
}

TEST(CryptoNoise, CipherStateWithoutKeyPassesThrough) {
  CipherState none;
  EXPECT_EQ(*none.encrypt_with_ad({}, as_bytes("plain")),
            Bytes(as_bytes("plain").begin(), as_bytes("plain").end()));
}

// read_message is total: arbitrary bytes at any read step yield a value or an
// error, never a crash (ASan/UBSan watch the run).
RC_GTEST_PROP(CryptoNoiseProp, ReadMessageIsTotal,
              (const std::vector<std::uint8_t>& junk, bool second_step)) {
  SeededKeySource ki(1), kr(2);
  Pair p = make_pair(kXX, ki, kr);
  if (!second_step) {
    (void)p.responder.read_message(junk);
    return;
  }
  auto m1 = p.initiator.write_message({});
  RC_ASSERT(m1.has_value());
  RC_ASSERT(p.responder.read_message(*m1).has_value());
  auto r = p.initiator.read_message(junk);
  RC_ASSERT(!r.has_value());  // 2^-128 chance of a forged tag
}

}  // namespace
}  // namespace hyphae::crypto
