#include "daemon/inbox.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <fstream>

namespace hyphae::daemon {

nlohmann::json to_json(const InboxEntry& e) {
  return {{"seq", e.seq},
          {"id", e.id},
          {"from", e.from},
          {"type", e.type},
          {"priority", e.priority},
          {"payload", e.payload},
          {"received_at", e.received_at},
          {"reply_to", e.reply_to.empty() ? nlohmann::json() : nlohmann::json(e.reply_to)},
          {"broadcast", e.broadcast}};
}

Result<Inbox, std::string> Inbox::open(const std::filesystem::path& file) {
  std::error_code ec;
  std::filesystem::create_directories(file.parent_path(), ec);
  if (ec) return fail(file.parent_path().string() + ": " + ec.message());
  std::vector<InboxEntry> entries;
  {
    std::ifstream in(file);
    std::string line;
    while (std::getline(in, line)) {
      // A torn last line (crash mid-write, before fsync returned) was never reported: skip it.
      auto j = nlohmann::json::parse(line, nullptr, /*allow_exceptions=*/false);
      if (j.is_discarded() || !j.is_object()) continue;
      InboxEntry e;
      e.seq = j.value("seq", std::uint64_t{0});
      e.id = j.value("id", "");
      e.from = j.value("from", "");
      e.type = j.value("type", "");
      e.priority = j.value("priority", "");
      e.payload = j.value("payload", "");
      e.received_at = j.value("received_at", "");
      if (j.contains("reply_to") && j["reply_to"].is_string()) e.reply_to = j["reply_to"].get<std::string>();
      e.broadcast = j.value("broadcast", false);
      entries.push_back(std::move(e));
    }
  }
  int fd = ::open(file.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0600);
  if (fd < 0) return fail(file.string() + ": " + std::strerror(errno));
  Inbox inbox(file, fd);
  inbox.entries_ = std::move(entries);
  return inbox;
}

Inbox::Inbox(Inbox&& o) noexcept
    : file_(std::move(o.file_)), fd_(std::exchange(o.fd_, -1)), entries_(std::move(o.entries_)) {}
Inbox& Inbox::operator=(Inbox&& o) noexcept {
  if (this != &o) {
    if (fd_ >= 0) ::close(fd_);
    file_ = std::move(o.file_);
    fd_ = std::exchange(o.fd_, -1);
    entries_ = std::move(o.entries_);
  }
  return *this;
}
Inbox::~Inbox() {
  if (fd_ >= 0) ::close(fd_);
}

Result<void, std::string> Inbox::append(InboxEntry entry) {
  entry.seq = entries_.empty() ? 1 : entries_.back().seq + 1;
  std::string line = to_json(entry).dump(-1, ' ', false, nlohmann::json::error_handler_t::replace) + "\n";
  if (::write(fd_, line.data(), line.size()) != static_cast<ssize_t>(line.size()) || ::fdatasync(fd_) != 0) {
    return fail(file_.string() + ": " + std::strerror(errno));
  }
  entries_.push_back(std::move(entry));
  return {};
}

std::vector<InboxEntry> Inbox::after(std::uint64_t seq, std::size_t limit) const {
  auto it = std::upper_bound(entries_.begin(), entries_.end(), seq,
                             [](std::uint64_t s, const InboxEntry& e) { return s < e.seq; });
  std::vector<InboxEntry> out;
  for (; it != entries_.end() && out.size() < limit; ++it) out.push_back(*it);
  return out;
}

}  // namespace hyphae::daemon
