// The store's schema migrations (store_schema.cpp), one list per backend.
#pragma once

#include <string_view>
#include <vector>

namespace hyphae::daemon {

// Migration i (SQL, several statements) moves user_version from i to i + 1.
const std::vector<std::string_view>& sqlite_migrations();
// The same for PostgreSQL; version i is recorded in schema_version.
const std::vector<std::string_view>& postgres_migrations();

}  // namespace hyphae::daemon
