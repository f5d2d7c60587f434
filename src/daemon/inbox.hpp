// Messages this node received, in arrival order, kept in memory and appended
// to `<data_dir>/inbox.jsonl` with fsync before the daemon reports them, so a
// crash loses nothing that was delivered. (The SQLite store replaces this file
// when it lands.)
#pragma once

#include <cstdint>
#include <filesystem>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "base/result.hpp"

namespace hyphae::daemon {

struct InboxEntry {
  std::uint64_t seq = 0;  // 1, 2, 3...: the `after` cursor of GET /api/mesh/messages
  std::string id;         // the sender's message id, 16 hex characters
  std::string from;       // sender node id
  std::string type;
  std::string priority;
  std::string payload;
  std::string received_at;  // RFC 3339 UTC
  std::string reply_to;     // the QUERY this RESPONSE answers (16 hex characters), or empty
  bool broadcast = false;   // flooded to every node
};

nlohmann::json to_json(const InboxEntry& e);

class Inbox {
 public:
  // Opens (creating if needed) the journal and loads what it holds.
  static Result<Inbox, std::string> open(const std::filesystem::path& file);
  Inbox(Inbox&&) noexcept;
  Inbox& operator=(Inbox&&) noexcept;
  ~Inbox();

  Result<void, std::string> append(InboxEntry entry);
  std::vector<InboxEntry> after(std::uint64_t seq, std::size_t limit) const;
  std::size_t size() const { return entries_.size(); }
  std::uint64_t last_seq() const { return entries_.empty() ? 0 : entries_.back().seq; }
  const std::vector<InboxEntry>& entries() const { return entries_; }

 private:
  Inbox(std::filesystem::path file, int fd) : file_(std::move(file)), fd_(fd) {}
  std::filesystem::path file_;
  int fd_ = -1;
  std::vector<InboxEntry> entries_;
};

}  // namespace hyphae::daemon
