#include "runtime/key_file.hpp"

#include <fcntl.h>
#include <sodium.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <fstream>

#include "base/hex.hpp"

namespace hyphae::runtime {
namespace {

std::string errno_text(const std::filesystem::path& path, std::string_view what) {
  return std::string(what) + " " + path.string() + ": " + std::strerror(errno);
}

Result<void, std::string> fsync_path(const std::filesystem::path& path, int flags) {
  int fd = ::open(path.c_str(), flags);
  if (fd < 0) return fail(errno_text(path, "cannot open"));
  const int rc = ::fsync(fd);
  ::close(fd);
  if (rc != 0) return fail(errno_text(path, "cannot fsync"));
  return {};
}

}  // namespace

Result<void, std::string> write_key_file(const std::filesystem::path& path, const crypto::Seed& seed) {
  std::string text = to_hex(seed) + "\n";
  const std::filesystem::path dir = path.has_parent_path() ? path.parent_path() : std::filesystem::path(".");
  std::error_code ec;
  std::filesystem::create_directories(dir, ec);
  const std::filesystem::path tmp = path.string() + ".tmp";
  int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
  if (fd < 0) return fail(errno_text(tmp, "cannot create"));
  ::fchmod(fd, 0600);  // O_CREAT's mode does not apply to a file left over from a crash
  const bool written = ::write(fd, text.data(), text.size()) == static_cast<ssize_t>(text.size());
  const bool synced = written && ::fsync(fd) == 0;
  ::close(fd);
  sodium_memzero(text.data(), text.size());
  if (!synced) {
    ::unlink(tmp.c_str());
    return fail(errno_text(tmp, "cannot write"));
  }
  if (::rename(tmp.c_str(), path.c_str()) != 0) return fail(errno_text(path, "cannot rename into"));
  return fsync_path(dir, O_RDONLY | O_DIRECTORY);
}

Result<crypto::Identity, std::string> read_key_file(const std::filesystem::path& path) {
  struct stat st{};
  if (::stat(path.c_str(), &st) != 0) return fail(errno_text(path, "cannot read key"));
  if ((st.st_mode & 077) != 0) {
    return fail("refusing key " + path.string() + ": readable by group or others (run: chmod 600 " +
                path.string() + ")");
  }
  std::ifstream in(path);
  std::string line;
  std::getline(in, line);
  auto bytes = from_hex(line);
  if (!bytes || bytes->size() != 32) {
    return fail("malformed key " + path.string() + ": expected 64 hex characters");
  }
  crypto::Seed seed{};
  std::memcpy(seed.data(), bytes->data(), seed.size());
  sodium_memzero(bytes->data(), bytes->size());
  sodium_memzero(line.data(), line.size());
  auto identity = crypto::Identity::from_seed(seed);
  sodium_memzero(seed.data(), seed.size());
  return identity;
}

Result<crypto::Identity, std::string> load_or_create_identity(const std::filesystem::path& path,
                                                              crypto::KeySource& keys) {
  std::error_code ec;
  if (!std::filesystem::exists(path, ec)) {
    crypto::Seed seed{};
    keys.fill(seed);
    auto written = write_key_file(path, seed);
    sodium_memzero(seed.data(), seed.size());
    if (!written) return fail(written.error());
  }
  return read_key_file(path);
}

}  // namespace hyphae::runtime
