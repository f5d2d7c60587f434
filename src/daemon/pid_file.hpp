// data_dir/hyphae.pid: this daemon's pid, and a lock (flock) held for the
// process's life, so a second daemon on the same data_dir (and store) is
// refused. The lock dies with the process, also on kill -9; a stale file is
// simply taken over.
#pragma once

#include <filesystem>
#include <string>
#include <utility>

#include "base/result.hpp"

namespace hyphae::daemon {

class PidFile {
 public:
  static Result<PidFile, std::string> acquire(const std::filesystem::path& file);
  PidFile(PidFile&& o) noexcept : file_(std::move(o.file_)), fd_(std::exchange(o.fd_, -1)) {}
  PidFile& operator=(PidFile&&) = delete;
  PidFile(const PidFile&) = delete;
  PidFile& operator=(const PidFile&) = delete;
  // Removes the file (a clean exit) and releases the lock.
  ~PidFile();

 private:
  PidFile(std::filesystem::path file, int fd) : file_(std::move(file)), fd_(fd) {}
  std::filesystem::path file_;
  int fd_ = -1;
};

}  // namespace hyphae::daemon
