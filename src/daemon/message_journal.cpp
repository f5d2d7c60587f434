#include "daemon/message_journal.hpp"

#include <fmt/format.h>

namespace hyphae::daemon {
namespace {

// Message ids are 64-bit; SQLite integers are signed 64-bit. Stored as the
// same bits.
std::int64_t to_sql(std::uint64_t v) { return static_cast<std::int64_t>(v); }
std::uint64_t from_sql(std::int64_t v) { return static_cast<std::uint64_t>(v); }

struct Finalize {
  void operator()(sqlite3_stmt* s) const { sqlite3_finalize(s); }
};
using Stmt = std::unique_ptr<sqlite3_stmt, Finalize>;

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

std::string text_column(sqlite3_stmt* s, int c) {
  const auto* p = sqlite3_column_text(s, c);
  return p == nullptr ? std::string() : std::string(reinterpret_cast<const char*>(p));
}

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

Result<void, std::string> MessageJournal::add(const JournalMessage& m) {
  sqlite3_stmt* raw = nullptr;
  const char* sql =
      "INSERT OR REPLACE INTO messages (id, dst, type, priority, payload, reply_to, created, deadline, "
      "state) "
      "VALUES (?, ?, ?, ?, ?, ?, ?, ?, 'pending')";
  if (sqlite3_prepare_v2(db_.get(), sql, -1, &raw, nullptr) != SQLITE_OK) return fail(error("prepare"));
  Stmt s(raw);
  sqlite3_bind_int64(raw, 1, to_sql(m.id));
  sqlite3_bind_text(raw, 2, m.to.data(), static_cast<int>(m.to.size()), SQLITE_TRANSIENT);
  sqlite3_bind_text(raw, 3, m.type.data(), static_cast<int>(m.type.size()), SQLITE_TRANSIENT);
  sqlite3_bind_text(raw, 4, m.priority.data(), static_cast<int>(m.priority.size()), SQLITE_TRANSIENT);
  sqlite3_bind_blob64(raw, 5, m.payload.data(), m.payload.size(), SQLITE_TRANSIENT);
  if (m.reply_to) {
    sqlite3_bind_int64(raw, 6, to_sql(*m.reply_to));
  } else {
    sqlite3_bind_null(raw, 6);
  }
  sqlite3_bind_int64(raw, 7, m.created);
  sqlite3_bind_int64(raw, 8, m.deadline);
  if (sqlite3_step(raw) != SQLITE_DONE) return fail(error("insert"));
  return {};
}

Result<void, std::string> MessageJournal::finish(std::uint64_t id, std::string_view state, std::int64_t at) {
  sqlite3_stmt* raw = nullptr;
  if (sqlite3_prepare_v2(db_.get(), "UPDATE messages SET state = ?, finished = ? WHERE id = ?", -1, &raw,
                         nullptr) != SQLITE_OK) {
    return fail(error("prepare"));
  }
  Stmt s(raw);
  sqlite3_bind_text(raw, 1, state.data(), static_cast<int>(state.size()), SQLITE_TRANSIENT);
  sqlite3_bind_int64(raw, 2, at);
  sqlite3_bind_int64(raw, 3, to_sql(id));
  if (sqlite3_step(raw) != SQLITE_DONE) return fail(error("update"));
  return {};
}

Result<std::vector<JournalMessage>, std::string> MessageJournal::pending() {
  sqlite3_stmt* raw = nullptr;
  if (sqlite3_prepare_v2(db_.get(),
                         "SELECT id, dst, type, priority, payload, reply_to, created, deadline FROM messages "
                         "WHERE state = 'pending' ORDER BY created, id",
                         -1, &raw, nullptr) != SQLITE_OK) {
    return fail(error("prepare"));
  }
  Stmt s(raw);
  std::vector<JournalMessage> out;
  int rc = 0;
  while ((rc = sqlite3_step(raw)) == SQLITE_ROW) {
    JournalMessage m{.id = from_sql(sqlite3_column_int64(raw, 0)),
                     .to = text_column(raw, 1),
                     .type = text_column(raw, 2),
                     .priority = text_column(raw, 3)};
    const auto* blob = static_cast<const std::uint8_t*>(sqlite3_column_blob(raw, 4));
    m.payload.assign(blob, blob + sqlite3_column_bytes(raw, 4));
    if (sqlite3_column_type(raw, 5) != SQLITE_NULL) m.reply_to = from_sql(sqlite3_column_int64(raw, 5));
    m.created = sqlite3_column_int64(raw, 6);
    m.deadline = sqlite3_column_int64(raw, 7);
    out.push_back(std::move(m));
  }
  if (rc != SQLITE_DONE) return fail(error("select"));
  return out;
}

Result<std::int64_t, std::string> MessageJournal::prune(std::int64_t before) {
  sqlite3_stmt* raw = nullptr;
  if (sqlite3_prepare_v2(db_.get(), "DELETE FROM messages WHERE state != 'pending' AND finished < ?", -1,
                         &raw, nullptr) != SQLITE_OK) {
    return fail(error("prepare"));
  }
  Stmt s(raw);
  sqlite3_bind_int64(raw, 1, before);
  if (sqlite3_step(raw) != SQLITE_DONE) return fail(error("delete"));
  return static_cast<std::int64_t>(sqlite3_changes(db_.get()));
}

}  // namespace hyphae::daemon
