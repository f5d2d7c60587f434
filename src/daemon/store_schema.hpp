// store.db's schema migrations (store_schema.cpp).
#pragma once

#include <string_view>
#include <vector>

namespace hyphae::daemon {

// Migration i (SQL, several statements) moves user_version from i to i + 1.
const std::vector<std::string_view>& sqlite_migrations();

}  // namespace hyphae::daemon
