// Goal: protocol names parse into the right token lists and everything else
// is refused. Method: spot checks against Noise rev 34 §7 and §9.
#include "crypto/pattern.hpp"

#include <gtest/gtest.h>

namespace hyphae::crypto {
namespace {

using enum Token;

TEST(CryptoPattern, ParsesInteractiveDeferredAndOneWay) {
  auto xx = parse_protocol_name("Noise_XX_25519_ChaChaPoly_BLAKE2b");
  ASSERT_TRUE(xx);
  EXPECT_EQ(xx->messages, (std::vector<std::vector<Token>>{{e}, {e, ee, s, es}, {s, se}}));
  EXPECT_FALSE(xx->has_psk);
  EXPECT_FALSE(xx->one_way());

  auto ik1 = parse_protocol_name("Noise_IK1_25519_ChaChaPoly_BLAKE2b");
  ASSERT_TRUE(ik1);
  EXPECT_EQ(ik1->responder_premessage, std::vector<Token>{s});
  EXPECT_EQ(ik1->messages, (std::vector<std::vector<Token>>{{e, s}, {e, ee, se, es}}));

  auto k = parse_protocol_name("Noise_K_25519_ChaChaPoly_BLAKE2b");
  ASSERT_TRUE(k);
  EXPECT_TRUE(k->one_way());
  EXPECT_EQ(k->initiator_premessage, std::vector<Token>{s});
  EXPECT_EQ(k->responder_premessage, std::vector<Token>{s});
}

TEST(CryptoPattern, PskModifiersPlaceTokens) {
  auto xx = parse_protocol_name("Noise_XXpsk3_25519_ChaChaPoly_BLAKE2b");
  ASSERT_TRUE(xx);
  EXPECT_TRUE(xx->has_psk);
  EXPECT_EQ(xx->messages[2], (std::vector<Token>{s, se, psk}));
  EXPECT_EQ(xx->psk_count(), 1u);

  auto kk = parse_protocol_name("Noise_KKpsk0+psk2_25519_ChaChaPoly_BLAKE2b");
  ASSERT_TRUE(kk);
  EXPECT_EQ(kk->messages[0], (std::vector<Token>{psk, e, es, ss}));
  EXPECT_EQ(kk->messages[1], (std::vector<Token>{e, ee, se, psk}));
  EXPECT_EQ(kk->psk_count(), 2u);
}

TEST(CryptoPattern, RejectsOtherSuitesAndMalformedNames) {
  for (const char* bad :
       {"", "Noise_XX", "Noise_XX_25519_AESGCM_BLAKE2b", "Noise_XX_448_ChaChaPoly_BLAKE2b",
        "Noise_XX_25519_ChaChaPoly_SHA256", "Noise_XX_25519_ChaChaPoly_BLAKE2s",
        "Noise_ZZ_25519_ChaChaPoly_BLAKE2b", "Noise_XXfallback_25519_ChaChaPoly_BLAKE2b",
        "Noise_XXpsk4_25519_ChaChaPoly_BLAKE2b", "Noise_XXpsk_25519_ChaChaPoly_BLAKE2b",
        "Noise_XXpsk03_25519_ChaChaPoly_BLAKE2b", "Noise_XXpsk3+psk3_25519_ChaChaPoly_BLAKE2b",
        "Noise_XXpsk3+_25519_ChaChaPoly_BLAKE2b", "Noise_Npsk2_25519_ChaChaPoly_BLAKE2b",
        "noise_XX_25519_ChaChaPoly_BLAKE2b", "Noise_XX_25519_ChaChaPoly_BLAKE2b ",
        "Noise__25519_ChaChaPoly_BLAKE2b"}) {
    EXPECT_FALSE(parse_protocol_name(bad)) << bad;
  }
}

}  // namespace
}  // namespace hyphae::crypto
