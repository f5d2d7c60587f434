// The PostgreSQL backend of the history store (`store = "postgresql://..."`):
// the tables of DESIGN.md §4 behind the same `Store` calls as SQLite, on
// libpqxx. Kept apart from store.cpp so that only this file sees libpqxx.
#pragma once

#include <memory>
#include <string>

#include "base/result.hpp"
#include "daemon/store.hpp"

namespace hyphae::daemon {

// The schema version this build writes (the row in schema_version).
int postgres_schema_version();

// Connects to `url` (a libpq connection URL, "postgresql://USER[:PASS]@HOST
// [:PORT]/DB[?param=value...]"; host=/dir for a unix socket) and migrates the
// database to the current schema. Refuses a database whose schema is newer
// than this build knows. A connection lost later is re-opened by the next
// call; the call that found it broken fails (and counts in errors()).
Result<std::unique_ptr<Store>, std::string> open_postgres_store(const std::string& url);

// `url` with its password replaced by "***", for messages and logs.
std::string redact_url(const std::string& url);

}  // namespace hyphae::daemon
