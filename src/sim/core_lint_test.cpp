// The cores must be replayable (DESIGN.md §1.1, STYLE.md §2.2): no clock, no
// unseeded randomness, no threads anywhere in the protocol folders or in the
// simulator itself. Time and randomness come in as arguments; the only
// exceptions are listed below with their reason.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <regex>
#include <sstream>

namespace {

namespace fs = std::filesystem;

struct Rule {
  const char* what;
  std::regex pattern;
};

TEST(CoreLint, NoClocksOrUnseededRandomnessInCores) {
  const fs::path src = HYPHAE_SOURCE_DIR;
  const std::vector<Rule> rules{
      {"a clock",
       std::regex(
           R"(std::chrono|steady_clock|system_clock|high_resolution_clock|gettimeofday|clock_gettime|\btime\s*\(\s*(nullptr|NULL|0)\s*\))")},
      {"unseeded randomness",
       std::regex(R"(random_device|\bs?rand\s*\(|randombytes|getrandom|/dev/u?random)")},
      {"a thread", std::regex(R"(std::thread|std::jthread|std::async|pthread_)")},
  };
  // file (relative to src/) -> why it may break a rule
  const std::map<std::string, std::string> allowed{
      {"crypto/key_source.cpp", "SodiumKeySource is the runtime's entropy source (randombytes_buf)"},
      {"crypto/sodium.cpp", "libsodium initialisation"},
      {"sim/wall_clock.cpp", "wall-time report of a simulation run, never used by a decision"},
      {"sim/core_lint_test.cpp", "this test names the patterns"},
  };
  std::vector<std::string> found;
  std::size_t scanned = 0;
  for (const char* folder :
       {"base", "wire", "crypto", "discovery", "link", "membership", "routing", "node", "sim"}) {
    if (!fs::exists(src / folder)) continue;
    for (const auto& entry : fs::recursive_directory_iterator(src / folder)) {
      const auto ext = entry.path().extension();
      if (ext != ".cpp" && ext != ".hpp") continue;
      const std::string rel = fs::relative(entry.path(), src).generic_string();
      if (rel.ends_with("_test.cpp") && rel != "sim/core_lint_test.cpp")
        continue;  // tests may time themselves
      if (allowed.contains(rel)) continue;
      ++scanned;
      std::ifstream in(entry.path());
      std::string line;
      for (int number = 1; std::getline(in, line); ++number) {
        const auto comment = line.find("//");
        const std::string code = comment == std::string::npos ? line : line.substr(0, comment);
        for (const auto& rule : rules) {
          if (std::regex_search(code, rule.pattern))
            found.push_back(rel + ":" + std::to_string(number) + ": " + rule.what + ": " + line);
        }
      }
    }
  }
  EXPECT_GT(scanned, 10u);
  std::ostringstream report;
  for (const auto& f : found) report << f << "\n";
  EXPECT_TRUE(found.empty()) << "cores must take time and randomness as inputs:\n" << report.str();
}

}  // namespace
