// Goal: our Noise implementation matches the cacophony-format vectors for
// 25519_ChaChaPoly_BLAKE2b, every pattern in the file.
// Method: for each vector, build both sides from its keys, run the handshake
// messages in their directions (each side writes, the other reads and must
// get the payload back, the written bytes must equal the ciphertext), check
// the handshake hash, then the transport messages after Split: alternating
// for interactive patterns, initiator -> responder only for one-way ones.
// The test fails if the file is missing or fewer than 59 vectors ran.
#include <gtest/gtest.h>

#include <cstdlib>
#include <fstream>
#include <nlohmann/json.hpp>

#include "base/hex.hpp"
#include "crypto/noise.hpp"

namespace hyphae::crypto {
namespace {

constexpr std::size_t kExpectedVectors = 59;

Bytes hex_bytes(const nlohmann::json& v) {
  auto b = from_hex(v.get<std::string>());
  EXPECT_TRUE(b.has_value()) << v;
  return b.value_or(Bytes{});
}

std::array<std::uint8_t, 32> hex32(const nlohmann::json& v) {
  const Bytes b = hex_bytes(v);
  EXPECT_EQ(b.size(), 32u);
  std::array<std::uint8_t, 32> out{};
  std::copy_n(b.begin(), std::min<std::size_t>(b.size(), 32), out.begin());
  return out;
}

HandshakeConfig side_config(const nlohmann::json& v, bool initiator) {
  const std::string p = initiator ? "init_" : "resp_";
  HandshakeConfig c;
  c.protocol_name = v.at("protocol_name").get<std::string>();
  c.initiator = initiator;
  c.prologue = hex_bytes(v.at(p + "prologue"));
  if (v.contains(p + "static")) c.s = KeyPair::from_private(hex32(v[p + "static"]));
  if (v.contains(p + "ephemeral")) c.e = KeyPair::from_private(hex32(v[p + "ephemeral"]));
  if (v.contains(p + "remote_static")) c.rs = hex32(v[p + "remote_static"]);
  if (v.contains(p + "remote_ephemeral")) c.re = hex32(v[p + "remote_ephemeral"]);
  if (v.contains(p + "psks")) {
    for (const auto& psk : v[p + "psks"]) c.psks.push_back(hex32(psk));
  }
  c.keys = nullptr;  // vectors fix every ephemeral: drawing one would be a bug
  return c;
}

// Returns true iff the whole vector ran without a failed assertion.
bool run_vector(const nlohmann::json& v) {
  const std::string protocol = v.at("protocol_name").get<std::string>();
  SCOPED_TRACE(protocol);
  const int failures_before =
      ::testing::UnitTest::GetInstance()->current_test_info()->result()->total_part_count();

  auto init = HandshakeState::create(side_config(v, true));
  auto resp = HandshakeState::create(side_config(v, false));
  if (!init || !resp) {
    ADD_FAILURE() << "create failed: " << name(init ? resp.error() : init.error());
    return false;
  }

  const auto& messages = v.at("messages");
  std::size_t i = 0;
  for (; i < messages.size() && !init->is_finished(); ++i) {
    HandshakeState& writer = i % 2 == 0 ? *init : *resp;
    HandshakeState& reader = i % 2 == 0 ? *resp : *init;
    const Bytes payload = hex_bytes(messages[i].at("payload"));
    const Bytes ciphertext = hex_bytes(messages[i].at("ciphertext"));
    if (!writer.is_my_turn()) {
      ADD_FAILURE() << "message " << i << ": not the writer's turn";
      return false;
    }
    auto written = writer.write_message(payload);
    if (!written) {
      ADD_FAILURE() << "message " << i << " write: " << name(written.error());
      return false;
    }
    EXPECT_EQ(to_hex(*written), to_hex(ciphertext)) << "handshake message " << i;
    auto read = reader.read_message(ciphertext);
    if (!read) {
      ADD_FAILURE() << "message " << i << " read: " << name(read.error());
      return false;
    }
    EXPECT_EQ(to_hex(*read), to_hex(payload)) << "handshake message " << i;
  }
  if (!init->is_finished() || !resp->is_finished()) {
    ADD_FAILURE() << "handshake did not finish within the vector's messages";
    return false;
  }
  EXPECT_EQ(to_hex(init->handshake_hash()), v.at("handshake_hash").get<std::string>());
  EXPECT_EQ(to_hex(resp->handshake_hash()), v.at("handshake_hash").get<std::string>());

  auto [i_to_r_init, r_to_i_init] = init->split();
  auto [i_to_r_resp, r_to_i_resp] = resp->split();
  const bool one_way = init->pattern().one_way();
  std::size_t transport_count = 0;
  for (; i < messages.size(); ++i, ++transport_count) {
    const bool from_initiator = one_way || i % 2 == 0;
    CipherState& sender = from_initiator ? i_to_r_init : r_to_i_resp;
    CipherState& receiver = from_initiator ? i_to_r_resp : r_to_i_init;
    const Bytes payload = hex_bytes(messages[i].at("payload"));
    const Bytes ciphertext = hex_bytes(messages[i].at("ciphertext"));
    auto sealed = sender.encrypt_with_ad({}, payload);
    if (!sealed) {
      ADD_FAILURE() << "transport " << i << " encrypt: " << name(sealed.error());
      return false;
    }
    EXPECT_EQ(to_hex(*sealed), to_hex(ciphertext)) << "transport message " << i;
    auto opened = receiver.decrypt_with_ad({}, ciphertext);
    if (!opened) {
      ADD_FAILURE() << "transport " << i << " decrypt: " << name(opened.error());
      return false;
    }
    EXPECT_EQ(to_hex(*opened), to_hex(payload)) << "transport message " << i;
  }
  EXPECT_GT(transport_count, 0u) << "vector has no transport messages";
  return ::testing::UnitTest::GetInstance()->current_test_info()->result()->total_part_count() ==
         failures_before;
}

TEST(CryptoNoiseVectors, AllVectorsPass) {
  const char* shared = std::getenv("HYPHAE_SHARED_DIR");
  ASSERT_NE(shared, nullptr) << "HYPHAE_SHARED_DIR is not set";
  const std::string path = std::string(shared) + "/vectors/noise-25519-chachapoly-blake2b.json";
  std::ifstream file(path);
  ASSERT_TRUE(file.good()) << "missing vectors file " << path;
  const nlohmann::json doc = nlohmann::json::parse(file, nullptr, /*allow_exceptions=*/false);
  ASSERT_FALSE(doc.is_discarded()) << "vectors file is not JSON: " << path;
  ASSERT_TRUE(doc.contains("vectors") && doc["vectors"].is_array());

  std::size_t passed = 0;
  for (const auto& v : doc["vectors"]) {
    if (run_vector(v)) ++passed;
  }
  EXPECT_EQ(doc["vectors"].size(), kExpectedVectors);
  EXPECT_EQ(passed, kExpectedVectors) << "every vector must run and pass; none may be skipped";
}

}  // namespace
}  // namespace hyphae::crypto
