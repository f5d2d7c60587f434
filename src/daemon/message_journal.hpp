// The durable outbox (issue 7, DESIGN.md §1.6 "nothing is lost"): every
// message the API accepted is in `data_dir/messages.db` (SQLite, WAL) before
// the API answers 202, until it is acknowledged end to end or fails. After a
// crash the daemon re-sends what is still pending under the same message ids,
// and receivers, which remember the ids they delivered (their inbox), do not
// deliver them twice.
//
// This is a file of its own, not the history Store: that one may live on a
// PostgreSQL server elsewhere, while a node's outbox must be on its own disk.
#pragma once

#include <cstdint>
#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "base/bytes.hpp"
#include "base/result.hpp"
#include "daemon/sqlite_stmt.hpp"

namespace hyphae::daemon {

struct JournalMessage {
  std::uint64_t id = 0;
  std::string to;        // node id hex
  std::string type;      // "TASK", ...
  std::string priority;  // "CRITICAL", ...
  Bytes payload;
  std::optional<std::uint64_t> reply_to;
  std::int64_t created = 0;   // Unix ms
  std::int64_t deadline = 0;  // Unix ms
};

class MessageJournal {
 public:
  static Result<MessageJournal, std::string> open(const std::filesystem::path& file);

  // Durable against a process crash when it returns (WAL, synchronous=NORMAL).
  Result<void, std::string> add(const JournalMessage& m);
  // The message is acked or failed: it leaves the outbox (the row stays,
  // marked, for statistics; prune() removes old ones).
  Result<void, std::string> finish(std::uint64_t id, std::string_view state, std::int64_t at);
  // Messages neither acked nor failed, oldest first.
  Result<std::vector<JournalMessage>, std::string> pending();
  // Deletes finished messages older than `before` (Unix ms).
  Result<std::int64_t, std::string> prune(std::int64_t before);

  std::uint64_t errors() const { return errors_; }

 private:
  explicit MessageJournal(sqlite3* db) : db_(db) {}
  Result<void, std::string> exec(const char* sql);
  Result<void, std::string> prepare(Stmt& into, const char* sql);
  std::string error(std::string_view what);

  DbPtr db_;
  Stmt add_, finish_, pending_, prune_;
  std::uint64_t errors_ = 0;
};

}  // namespace hyphae::daemon
