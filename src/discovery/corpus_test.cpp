// Seeds for the fuzzer: valid beacons. The committed files in
// src/discovery/corpus/ must equal these seeds, so fuzzing starts from current
// encodings. After changing a seed, run this test with
// HYPHAE_DISCOVERY_CORPUS_WRITE=1 to rewrite the files.
#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iterator>

#include "discovery/beacon.hpp"
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
}

// The directory name matches the fuzz target (fuzz_beacon): scripts/fuzz-smoke
// finds each target's corpus by that name.
TEST(DiscoveryCorpus, CommittedFilesEqualTheSeeds) { check("beacon", beacon_seeds()); }

}  // namespace
}  // namespace hyphae::discovery
