// Seeds for the fuzzers: valid beacons and peer lists. The committed files in
// src/discovery/corpus/ must equal these seeds, so fuzzing starts from current
// encodings. After changing a seed, run this test with
// HYPHAE_DISCOVERY_CORPUS_WRITE=1 to rewrite the files.
#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iterator>

#include "discovery/beacon.hpp"
#include "discovery/peer_exchange.hpp"
#include "discovery/test_util.hpp"

namespace hyphae::discovery {
namespace {

namespace fs = std::filesystem;
using Seeds = std::vector<std::pair<std::string, Bytes>>;

Seeds beacon_seeds() {
  return {
      {"first", encode_beacon(test::identity(1), 9900, 0x1122334455667788, 0)},
      {"later", encode_beacon(test::identity(2), 9999, 0x0102030405060708, 12345)},
  };
}

Seeds peer_list_seeds() {
  std::vector<PeerHint> many;
  for (std::uint8_t n = 1; n <= kMaxExchangePeers; ++n) {
    PeerHint p;
    p.id.bytes.fill(n);
    p.address = n % 2 ? Endpoint::v4(0x0a000000u | n, 9900)
                      : *Endpoint::parse("[fd00::" + std::to_string(n) + "]:9900");
    many.push_back(p);
  }
  return {
      {"empty", encode_peer_list({})},
      {"one", encode_peer_list(std::vector(many.begin(), many.begin() + 1))},
      {"full", encode_peer_list(many)},
  };
}

Bytes read_file(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

void check(const std::string& sub, const Seeds& seeds) {
  const fs::path dir = fs::path(HYPHAE_DISCOVERY_CORPUS) / sub;
  if (std::getenv("HYPHAE_DISCOVERY_CORPUS_WRITE") != nullptr) {
    fs::create_directories(dir);
    for (const auto& [name, bytes] : seeds) {
      std::ofstream out(dir / name, std::ios::binary | std::ios::trunc);
      out.write(reinterpret_cast<const char*>(bytes.data()), static_cast<std::streamsize>(bytes.size()));
    }
  }
  for (const auto& [name, bytes] : seeds) {
    ASSERT_TRUE(fs::exists(dir / name)) << sub << "/" << name << " is missing";
    EXPECT_EQ(read_file(dir / name), bytes) << sub << "/" << name;
  }
}

TEST(DiscoveryCorpus, SeedsDecode) {
  for (const auto& [name, bytes] : beacon_seeds()) EXPECT_TRUE(decode_beacon(bytes)) << name;
  for (const auto& [name, bytes] : peer_list_seeds()) EXPECT_TRUE(decode_peer_list(bytes)) << name;
}

// Directory names match the fuzz targets (fuzz_beacon, fuzz_peer_exchange):
// scripts/fuzz-smoke finds each target's corpus by that name.
TEST(DiscoveryCorpus, CommittedFilesEqualTheSeeds) {
  check("beacon", beacon_seeds());
  check("peer_exchange", peer_list_seeds());
}

}  // namespace
}  // namespace hyphae::discovery
