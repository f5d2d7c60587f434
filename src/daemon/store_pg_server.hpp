// Test helper: a throwaway PostgreSQL server of its own for store tests.
// It runs initdb into a fresh temporary directory, starts the server on a
// unix socket inside it (no TCP port to collide with other tests), and on
// destruction stops it and deletes the directory. PostgreSQL refuses to run
// as root, so under root the server runs as the `postgres` user.
#pragma once

#include <filesystem>
#include <string>

namespace hyphae::daemon::testing {

class PgServer {
 public:
  PgServer();
  ~PgServer();
  PgServer(const PgServer&) = delete;
  PgServer& operator=(const PgServer&) = delete;

  // Empty when the server runs; otherwise why not (for GTEST_SKIP).
  const std::string& unavailable() const { return unavailable_; }
  // A libpq URL for database `db` (created by create_database).
  std::string url(const std::string& db) const;
  // Creates database `db`; empty on success, else the error.
  std::string create_database(const std::string& db);
  // Restarts the server (every session is cut); empty on success.
  std::string restart();

 private:
  std::string run(const std::string& args, const char* what);  // empty: success

  std::filesystem::path dir_;
  std::string bin_;
  std::string as_user_;  // "runuser -u postgres -- " under root
  std::string unavailable_;
  bool started_ = false;
};

}  // namespace hyphae::daemon::testing
