#include "runtime/key_file.hpp"

#include <gtest/gtest.h>
#include <sys/stat.h>

#include <filesystem>
#include <fstream>

namespace hyphae::runtime {
namespace {

struct TempDir {
  TempDir() {
    char tmpl[] = "/tmp/hyphae-keyfile-XXXXXX";
    path = mkdtemp(tmpl);
  }
  ~TempDir() { std::filesystem::remove_all(path); }
  std::filesystem::path path;
};

TEST(KeyFile, CreatesWithMode0600AndReadsBackTheSameIdentity) {
  TempDir dir;
  crypto::SeededKeySource keys(3);
  auto created = load_or_create_identity(dir.path / "sub" / "node.key", keys);
  ASSERT_TRUE(created) << created.error();
  struct stat st{};
  ASSERT_EQ(::stat((dir.path / "sub" / "node.key").c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0600u);
  auto again = load_or_create_identity(dir.path / "sub" / "node.key", keys);
  ASSERT_TRUE(again);
  EXPECT_EQ(again->id, created->id);
  EXPECT_EQ(again->keys.pub, created->keys.pub);
  EXPECT_FALSE(std::filesystem::exists(dir.path / "sub" / "node.key.tmp"));
}

TEST(KeyFile, RefusesAWorldReadableKey) {
  TempDir dir;
  crypto::SeededKeySource keys(3);
  const auto file = dir.path / "node.key";
  ASSERT_TRUE(write_key_file(file, crypto::Identity::generate(keys).seed()));
  std::filesystem::permissions(file, std::filesystem::perms::others_read, std::filesystem::perm_options::add);
  auto r = read_key_file(file);
  ASSERT_FALSE(r);
  EXPECT_NE(r.error().find("readable by group or others"), std::string::npos) << r.error();
}

TEST(KeyFile, RejectsMalformedContent) {
  TempDir dir;
  const auto file = dir.path / "node.key";
  {
    std::ofstream(file) << "not hex\n";
  }
  std::filesystem::permissions(file,
                               std::filesystem::perms::owner_read | std::filesystem::perms::owner_write);
  auto r = read_key_file(file);
  ASSERT_FALSE(r);
  EXPECT_NE(r.error().find("expected 64 hex"), std::string::npos);
}

}  // namespace
}  // namespace hyphae::runtime
