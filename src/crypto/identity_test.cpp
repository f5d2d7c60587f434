// Goal: identities derive stably from keys; ids print, parse and hash.
// Method: RFC 7748 §6.1 key pair; expected ids from Python
// hashlib.blake2b(pub, digest_size=20) and ipaddress.IPv6Address.
#include "crypto/identity.hpp"

#include <gtest/gtest.h>

#include <unordered_set>

#include "base/hex.hpp"

namespace hyphae::crypto {
namespace {

template <std::size_t N>
std::array<std::uint8_t, N> array_from_hex(std::string_view text) {
  auto raw = from_hex(text);
  EXPECT_TRUE(raw && raw->size() == N);
  std::array<std::uint8_t, N> out{};
  if (raw && raw->size() == N) std::copy(raw->begin(), raw->end(), out.begin());
  return out;
}

const PrivateKey kAlicePriv =
    array_from_hex<32>("77076d0a7318a57d3c16c17251b26645df4c2f87ebc0992ab177fba51db92c2a");
const PublicKey kAlicePub =
    array_from_hex<32>("8520f0098930a754748b7ddcb43ef75a0dbf3a0d26381af4eba4a98eaa9b4e6a");

TEST(CryptoKeys, FromPrivateMatchesRfc7748) { EXPECT_EQ(KeyPair::from_private(kAlicePriv).pub, kAlicePub); }

TEST(CryptoKeys, SeededSourceIsDeterministic) {
  SeededKeySource a(7), b(7), c(8);
  EXPECT_EQ(KeyPair::generate(a).pub, KeyPair::generate(b).pub);
  SeededKeySource a2(7);
  EXPECT_NE(KeyPair::generate(a2).pub, KeyPair::generate(c).pub);
}

TEST(CryptoKeys, SodiumSourceGivesDistinctKeys) {
  SodiumKeySource keys;
  EXPECT_NE(KeyPair::generate(keys).pub, KeyPair::generate(keys).pub);
}

TEST(CryptoIdentity, NodeIdIsStableForKnownKey) {
  const NodeId id = node_id_of(kAlicePub);
  EXPECT_EQ(id.to_string(), "e34cf0b84dc4c769903c363a67f75ac1dc4e280c");
  EXPECT_EQ(id.to_string().size(), 40u);
}

TEST(CryptoIdentity, UlaIsFdPrefixedNodeId) {
  const NodeId id = node_id_of(kAlicePub);
  const auto ula = ula_of(id);
  EXPECT_EQ(ula[0], 0xfd);
  EXPECT_TRUE(std::equal(ula.begin() + 1, ula.end(), id.bytes.begin()));
  EXPECT_EQ(ula_string(id), "fde3:4cf0:b84d:c4c7:6990:3c36:3a67:f75a");
  EXPECT_TRUE(ula_string(NodeId{}).starts_with("fd00:"));
}

TEST(CryptoIdentity, ParseRoundTripsAndRejectsMalformed) {
  const NodeId id = node_id_of(kAlicePub);
  EXPECT_EQ(NodeId::parse(id.to_string()), id);
  EXPECT_EQ(NodeId::parse("E34CF0B84DC4C769903C363A67F75AC1DC4E280C"), id);
  for (std::string_view bad :
       {"", "e34c", "e34cf0b84dc4c769903c363a67f75ac1dc4e280", "e34cf0b84dc4c769903c363a67f75ac1dc4e280c0",
        "g34cf0b84dc4c769903c363a67f75ac1dc4e280c"}) {
    EXPECT_FALSE(NodeId::parse(bad)) << bad;
  }
}

TEST(CryptoIdentity, HashIsDeterministicAndOrderIsTotal) {
  const NodeId a = node_id_of(kAlicePub);
  NodeId b = a;
  b.bytes[19] ^= 1;
  EXPECT_EQ(std::hash<NodeId>{}(a), std::hash<NodeId>{}(a));
  EXPECT_EQ(std::hash<NodeId>{}(a), std::size_t{0xe34cf0b84dc4c769});
  EXPECT_NE(a, b);
  EXPECT_TRUE(a < b || b < a);
  std::unordered_set<NodeId> set{a, b, a};
  EXPECT_EQ(set.size(), 2u);
}

TEST(CryptoIdentity, GenerateUsesKeySource) {
  SeededKeySource k1(42), k2(42);
  const Identity x = Identity::generate(k1);
  const Identity y = Identity::generate(k2);
  EXPECT_EQ(x.id, y.id);
  EXPECT_EQ(x.id, node_id_of(x.keys.pub));
  EXPECT_EQ(Identity::from_seed(x.seed()).keys.pub, x.keys.pub);
}

TEST(CryptoIdentity, SigningKeyMapsToNodeIdAndSignaturesVerify) {
  SeededKeySource k(9);
  const Identity x = Identity::generate(k);
  const Identity y = Identity::generate(k);
  EXPECT_EQ(node_id_of_signing_key(x.signing_pub), x.id);
  EXPECT_NE(node_id_of_signing_key(y.signing_pub), x.id);
  const Bytes msg{1, 2, 3};
  const Signature sig = x.sign(msg);
  EXPECT_TRUE(verify_signature(x.signing_pub, msg, sig));
  EXPECT_FALSE(verify_signature(y.signing_pub, msg, sig));
  Bytes other = msg;
  other[0] ^= 1;
  EXPECT_FALSE(verify_signature(x.signing_pub, other, sig));
  Signature bad = sig;
  bad[10] ^= 1;
  EXPECT_FALSE(verify_signature(x.signing_pub, msg, bad));
}

TEST(CryptoIdentity, InvalidSigningKeyHasNoNodeId) {
  SigningPublicKey not_a_point{};
  not_a_point.fill(0xff);
  EXPECT_FALSE(node_id_of_signing_key(not_a_point));
}

}  // namespace
}  // namespace hyphae::crypto
