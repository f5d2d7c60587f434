#include "daemon/message_journal.hpp"

#include <fmt/format.h>

namespace hyphae::daemon {
namespace {

// Message ids are 64-bit; SQLite integers are signed 64-bit. Stored as the
// same bits.
std::int64_t to_sql(std::uint64_t v) { return static_cast<std::int64_t>(v); }
std::uint64_t from_sql(std::int64_t v) { return static_cast<std::uint64_t>(v); }

constexpr const char* kSchema = R"sql(
CREATE TABLE IF NOT EXISTS messages (
  id INTEGER PRIMARY KEY,
  dst TEXT NOT NULL,
  type TEXT NOT NULL,
  priority TEXT NOT NULL,
  payload BLOB NOT NULL,
  reply_to INTEGER,
  created INTEGER NOT NULL,
  deadline INTEGER NOT NULL,
  state TEXT NOT NULL DEFAULT 'pending',
  finished INTEGER
);
CREATE INDEX IF NOT EXISTS messages_pending ON messages(state, created);
)sql";

}  // namespace

Result<MessageJournal, std::string> MessageJournal::open(const std::filesystem::path& file) {
  sqlite3* raw = nullptr;
  const int rc = sqlite3_open_v2(file.c_str(), &raw, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, nullptr);
  MessageJournal j(raw);
  if (rc != SQLITE_OK) return fail(fmt::format("{}: {}", file.string(), j.error("open")));
  sqlite3_busy_timeout(raw, 5000);
  // WAL with synchronous=NORMAL: a committed row survives kill -9 (it is in
  // the WAL file); only a power cut may take the last commits.
  for (const char* sql : {"PRAGMA journal_mode=WAL", "PRAGMA synchronous=NORMAL", kSchema}) {
    if (auto r = j.exec(sql); !r) return fail(fmt::format("{}: {}", file.string(), r.error()));
  }
  const std::pair<Stmt*, const char*> statements[] = {
      {&j.add_,
       "INSERT OR REPLACE INTO messages (id, dst, type, priority, payload, reply_to, created, deadline, "
       "state) "
       "VALUES (?, ?, ?, ?, ?, ?, ?, ?, 'pending')"},
      {&j.finish_, "UPDATE messages SET state = ?, finished = ? WHERE id = ?"},
      {&j.pending_,
       "SELECT id, dst, type, priority, payload, reply_to, created, deadline FROM messages "
       "WHERE state = 'pending' ORDER BY created, id"},
      {&j.prune_, "DELETE FROM messages WHERE state != 'pending' AND finished < ?"},
  };
  for (const auto& [stmt, sql] : statements) {
    if (auto r = j.prepare(*stmt, sql); !r) return fail(fmt::format("{}: {}", file.string(), r.error()));
  }
  return j;
}

std::string MessageJournal::error(std::string_view what) {
  errors_ += 1;
  return fmt::format("{}: {}", what, db_ ? sqlite3_errmsg(db_.get()) : "out of memory");
}

Result<void, std::string> MessageJournal::exec(const char* sql) {
  char* msg = nullptr;
  if (sqlite3_exec(db_.get(), sql, nullptr, nullptr, &msg) != SQLITE_OK) {
    std::string text = msg != nullptr ? msg : "unknown error";
    sqlite3_free(msg);
    errors_ += 1;
    return fail(text);
  }
  return {};
}

Result<void, std::string> MessageJournal::prepare(Stmt& into, const char* sql) {
  sqlite3_stmt* s = nullptr;
  if (sqlite3_prepare_v3(db_.get(), sql, -1, SQLITE_PREPARE_PERSISTENT, &s, nullptr) != SQLITE_OK) {
    return fail(error("prepare"));
  }
  into = Stmt(s);
  return {};
}

Result<void, std::string> MessageJournal::add(const JournalMessage& m) {
  Stmt& s = add_.fresh();
  s.bind(1, to_sql(m.id));
  s.bind(2, std::string_view(m.to));
  s.bind(3, std::string_view(m.type));
  s.bind(4, std::string_view(m.priority));
  s.bind(5, ByteView(m.payload));
  s.bind(6, m.reply_to ? std::optional(to_sql(*m.reply_to)) : std::nullopt);
  s.bind(7, m.created);
  s.bind(8, m.deadline);
  if (s.step() != SQLITE_DONE) return fail(error("insert"));
  return {};
}

Result<void, std::string> MessageJournal::finish(std::uint64_t id, std::string_view state, std::int64_t at) {
  Stmt& s = finish_.fresh();
  s.bind(1, state);
  s.bind(2, at);
  s.bind(3, to_sql(id));
  if (s.step() != SQLITE_DONE) return fail(error("update"));
  return {};
}

Result<std::vector<JournalMessage>, std::string> MessageJournal::pending() {
  Stmt& s = pending_.fresh();
  std::vector<JournalMessage> out;
  int rc = 0;
  while ((rc = s.step()) == SQLITE_ROW) {
    out.push_back(
        JournalMessage{.id = from_sql(s.int64(0)),
                       .to = s.text(1),
                       .type = s.text(2),
                       .priority = s.text(3),
                       .payload = s.blob(4),
                       .reply_to = s.is_null(5) ? std::nullopt : std::optional(from_sql(s.int64(5))),
                       .created = s.int64(6),
                       .deadline = s.int64(7)});
  }
  if (rc != SQLITE_DONE) return fail(error("select"));
  return out;
}

Result<std::int64_t, std::string> MessageJournal::prune(std::int64_t before) {
  Stmt& s = prune_.fresh();
  s.bind(1, before);
  if (s.step() != SQLITE_DONE) return fail(error("delete"));
  return static_cast<std::int64_t>(sqlite3_changes(db_.get()));
}

}  // namespace hyphae::daemon
