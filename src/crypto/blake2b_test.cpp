// Goal: the Noise hash building blocks match independent implementations.
// Method: expected values computed with Python's hashlib/hmac (blake2b).
#include "crypto/blake2b.hpp"

#include <gtest/gtest.h>

#include "base/hex.hpp"

namespace hyphae::crypto {
namespace {

TEST(CryptoBlake2b, HashMatchesHashlib) {
  EXPECT_EQ(to_hex(blake2b(as_bytes("abc"))),
            "ba80a53f981c4d0d6a2797b69f12f6e94c212f14685ac4b74b12bb6fdbffa2d17d87c5392aab792dc252d5de4533cc95"
            "18d38aa8d"
            "bf1925ab92386edd4009923");
  // HASH(a || b) is one hash over the concatenation.
  EXPECT_EQ(blake2b(as_bytes("a"), as_bytes("bc")), blake2b(as_bytes("abc")));
}

TEST(CryptoBlake2b, HmacMatchesPythonHmac) {
  // hmac.new(b'key', b'The quick brown fox jumps over the lazy dog', hashlib.blake2b)
  EXPECT_EQ(to_hex(hmac_blake2b(as_bytes("key"), as_bytes("The quick brown fox "),
                                as_bytes("jumps over the lazy dog"))),
            "92294f92c0dfb9b00ec9ae8bd94d7e7d8a036b885a499f149dfe2fd2199394aaaf6b8894a1730cccb2cd050f9bcf5062"
            "a38b51b0d"
            "ab33207f8ef35ae2c9df51b");
  // A key longer than BLOCKLEN is hashed first: hmac.new(b'k'*200, b'abc', hashlib.blake2b)
  const std::string long_key(200, 'k');
  EXPECT_EQ(to_hex(hmac_blake2b(as_bytes(long_key), as_bytes("abc"))),
            "047f6ef3d5b3c31b5d2d1a987e4ac9261d92541cab6a0906b85934f5ca6e4090d514d6a86455931e7c35094b86857777"
            "fa968eaac"
            "0d1a65a6416f6dd0cf096dd");
}

TEST(CryptoBlake2b, HkdfFollowsNoiseDefinition) {
  const Bytes ck(64, 7);
  const Bytes ikm(32, 9);
  std::array<Digest, 3> out{};
  hkdf(ck, ikm, out);
  const Digest temp = hmac_blake2b(ck, ikm);
  const std::uint8_t one = 1, two = 2, three = 3;
  EXPECT_EQ(out[0], hmac_blake2b(temp, ByteView{&one, 1}));
  EXPECT_EQ(out[1], hmac_blake2b(temp, out[0], ByteView{&two, 1}));
  EXPECT_EQ(out[2], hmac_blake2b(temp, out[1], ByteView{&three, 1}));
  std::array<Digest, 2> two_out{};
  hkdf(ck, ikm, two_out);
  EXPECT_EQ(two_out[0], out[0]);
  EXPECT_EQ(two_out[1], out[1]);
}

}  // namespace
}  // namespace hyphae::crypto
