#include "daemon/pid_file.hpp"

#include <fcntl.h>
#include <fmt/format.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

namespace hyphae::daemon {

Result<PidFile, std::string> PidFile::acquire(const std::filesystem::path& file) {
  std::error_code ec;
  std::filesystem::create_directories(file.parent_path(), ec);
  int fd = -1;
  for (int attempt = 0;; ++attempt) {
    fd = ::open(file.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0644);
    if (fd < 0)
      return fail(fmt::format("cannot open the pid file {}: {}", file.string(), std::strerror(errno)));
    if (::flock(fd, LOCK_EX | LOCK_NB) != 0) break;
    // Locked; but a daemon that was exiting may have removed the file we
    // opened: then the lock is on a file no one else will find. Try again.
    struct stat held{}, named{};
    if (::fstat(fd, &held) == 0 && ::stat(file.c_str(), &named) == 0 && held.st_ino == named.st_ino) break;
    ::close(fd);
    if (attempt == 3) return fail(fmt::format("the pid file {} keeps changing", file.string()));
  }
  if (::flock(fd, LOCK_EX | LOCK_NB) != 0) {
    char buf[32] = {};
    const auto n = ::pread(fd, buf, sizeof buf - 1, 0);
    ::close(fd);
    std::string pid = n > 0 ? std::string(buf, static_cast<std::size_t>(n)) : std::string("?");
    while (!pid.empty() && (pid.back() == '\n' || pid.back() == ' ')) pid.pop_back();
    return fail(fmt::format("another hyphae daemon (pid {}) is using {}; stop it first", pid,
                            file.parent_path().string()));
  }
  const std::string text = fmt::format("{}\n", ::getpid());
  if (::ftruncate(fd, 0) != 0 ||
      ::pwrite(fd, text.data(), text.size(), 0) != static_cast<ssize_t>(text.size())) {
    const std::string why = std::strerror(errno);
    ::close(fd);
    return fail(fmt::format("cannot write the pid file {}: {}", file.string(), why));
  }
  return PidFile(file, fd);
}

PidFile::~PidFile() {
  if (fd_ < 0) return;
  std::error_code ec;
  std::filesystem::remove(file_, ec);  // while still holding the lock: no one else's file is removed
  ::close(fd_);
}

}  // namespace hyphae::daemon
