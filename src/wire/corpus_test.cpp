// Seeds for the fuzzers: valid encodings of every packet type and TLV. The
// committed files in src/wire/corpus/ are checked to still decode; running with
// HYPHAE_WIRE_CORPUS_DIR=src/wire/corpus rewrites them.
#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iterator>

#include "wire/handshake_payload.hpp"
#include "wire/packet.hpp"
#include "wire/tlv.hpp"

namespace hyphae::wire {
namespace {

namespace fs = std::filesystem;

std::vector<std::pair<std::string, Bytes>> packet_seeds() {
  static const Bytes noise32(32, 0x11);
  static const Bytes noise96(96, 0x22);
  static const Bytes noise64(64, 0x33);
  static const Bytes ct(48, 0x44);
  return {
      {"handshake_init", encode(HandshakeInit{0x01020304, noise32})},
      {"handshake_resp", encode(HandshakeResp{0x0a0b0c0d, 0x01020304, noise96})},
      {"handshake_finish", encode(HandshakeFinish{0x0a0b0c0d, noise64})},
      {"transport", encode(Transport{0x0a0b0c0d, 42, {}, ct})},
  };
}

std::vector<std::pair<std::string, Bytes>> tlv_seeds() {
  static const Bytes payload = {'h', 'e', 'l', 'l', 'o'};
  std::vector<std::pair<std::string, Bytes>> seeds;
  auto one = [&](std::string name, const Tlv& t) {
    Bytes b;
    append_tlv(b, t);
    seeds.emplace_back(std::move(name), std::move(b));
  };
  one("ping", Ping{1});
  one("pong", Pong{1});
  one("message", Message{7, MessageType::query, Priority::high, payload});
  one("message_ack", MessageAck{7});
  one("hello", Hello{9900, 1});
  one("close", Close{0});
  static const Bytes babel = {0x02, 0x00};  // a PadN with no value (RFC 8966 §4.6.2)
  one("routing", Routing{babel});
  Routed routed{.hop_limit = 16, .sealed = payload};
  routed.dst.fill(0xd0);
  routed.src.fill(0x50);
  one("routed", routed);
  RoutedKey key{.hop_limit = 16, .want_reply = true};
  key.dst.fill(0xd0);
  key.src.fill(0x50);
  key.key.fill(0x4b);
  one("routed_key", key);
  Flood flood{
      .id = 3, .ttl = 8, .type = MessageType::notification, .priority = Priority::low, .payload = payload};
  flood.origin_key.fill(0x0e);
  flood.signature.fill(0x51);
  one("flood", flood);
  Bytes mixed;
  append_tlv(mixed, Ping{2});
  append_tlv(mixed, Message{8, MessageType::task, Priority::critical, payload});
  append_pad(mixed, 3);
  mixed.insert(mixed.end(), {0x40, 0x01, 0x00});  // optional, skipped
  append_tlv(mixed, MessageAck{7});
  seeds.emplace_back("mixed", std::move(mixed));
  return seeds;
}

Bytes read_file(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

TEST(Corpus, SeedsDecode) {
  for (const auto& [name, bytes] : packet_seeds()) EXPECT_TRUE(decode_packet(bytes)) << name;
  TlvArray out;
  for (const auto& [name, bytes] : tlv_seeds()) EXPECT_TRUE(decode_tlvs(bytes, out)) << name;
}

TEST(Corpus, CommittedFilesDecode) {
  const fs::path root = HYPHAE_WIRE_CORPUS;
  std::size_t files = 0;
  for (const auto& e : fs::directory_iterator(root / "packet")) {
    EXPECT_TRUE(decode_packet(read_file(e.path()))) << e.path();
    ++files;
  }
  TlvArray out;
  for (const auto& e : fs::directory_iterator(root / "tlv")) {
    EXPECT_TRUE(decode_tlvs(read_file(e.path()), out)) << e.path();
    ++files;
  }
  EXPECT_GE(files, packet_seeds().size() + tlv_seeds().size());
}

// The committed seed files are exactly the seeds above, so fuzzing starts
// from current encodings. After changing a seed, rewrite the files from the
// byte lists (e.g. with xxd -r -p) until this passes.
TEST(Corpus, CommittedFilesEqualTheSeeds) {
  auto check = [&](const std::string& sub, const auto& seeds) {
    for (const auto& [name, bytes] : seeds) {
      std::ifstream f(fs::path(HYPHAE_WIRE_CORPUS) / sub / name, std::ios::binary);
      ASSERT_TRUE(f) << sub << "/" << name << " is missing";
      const Bytes on_disk((std::istreambuf_iterator<char>(f)), std::istreambuf_iterator<char>());
      EXPECT_EQ(on_disk, bytes) << sub << "/" << name;
    }
  };
  check("packet", packet_seeds());
  check("tlv", tlv_seeds());
}

}  // namespace
}  // namespace hyphae::wire
