// The SQLite handles the daemon's stores share: an owning connection and a
// prepared statement with typed bind and column accessors.
#pragma once

#include <sqlite3.h>

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>

#include "base/bytes.hpp"

namespace hyphae::daemon {

struct DbClose {
  void operator()(sqlite3* db) const { sqlite3_close_v2(db); }
};
using DbPtr = std::unique_ptr<sqlite3, DbClose>;

// One prepared statement: bound, stepped, reset for the next use.
class Stmt {
 public:
  Stmt() = default;
  explicit Stmt(sqlite3_stmt* s) : s_(s) {}
  Stmt(Stmt&& o) noexcept : s_(std::exchange(o.s_, nullptr)) {}
  Stmt& operator=(Stmt&& o) noexcept {
    std::swap(s_, o.s_);
    return *this;
  }
  Stmt(const Stmt&) = delete;
  Stmt& operator=(const Stmt&) = delete;
  ~Stmt() { sqlite3_finalize(s_); }

  // Resets and clears bindings; call before binding a new use.
  Stmt& fresh() {
    sqlite3_reset(s_);
    sqlite3_clear_bindings(s_);
    return *this;
  }
  void bind(int i, std::string_view v) {
    sqlite3_bind_text(s_, i, v.data(), static_cast<int>(v.size()), SQLITE_TRANSIENT);
  }
  void bind(int i, std::int64_t v) { sqlite3_bind_int64(s_, i, v); }
  void bind(int i, double v) { sqlite3_bind_double(s_, i, v); }
  void bind(int i, ByteView v) { sqlite3_bind_blob64(s_, i, v.data(), v.size(), SQLITE_TRANSIENT); }
  template <class T>
  void bind(int i, const std::optional<T>& v) {
    if (v) {
      bind(i, *v);
    } else {
      sqlite3_bind_null(s_, i);
    }
  }
  int step() { return sqlite3_step(s_); }

  bool is_null(int c) const { return sqlite3_column_type(s_, c) == SQLITE_NULL; }
  std::int64_t int64(int c) const { return sqlite3_column_int64(s_, c); }
  double real(int c) const { return sqlite3_column_double(s_, c); }
  std::string text(int c) const {
    const auto* p = sqlite3_column_text(s_, c);
    return p == nullptr ? std::string() : std::string(reinterpret_cast<const char*>(p));
  }
  Bytes blob(int c) const {
    const auto* p = static_cast<const std::uint8_t*>(sqlite3_column_blob(s_, c));
    return p == nullptr ? Bytes() : Bytes(p, p + sqlite3_column_bytes(s_, c));
  }
  std::optional<std::int64_t> opt_int64(int c) const {
    return is_null(c) ? std::nullopt : std::optional(int64(c));
  }
  std::optional<double> opt_real(int c) const { return is_null(c) ? std::nullopt : std::optional(real(c)); }
  std::optional<std::string> opt_text(int c) const {
    return is_null(c) ? std::nullopt : std::optional(text(c));
  }

 private:
  sqlite3_stmt* s_ = nullptr;
};

}  // namespace hyphae::daemon
