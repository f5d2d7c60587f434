#include "daemon/store_pg_server.hpp"

#include <fmt/format.h>
#include <pwd.h>
#include <unistd.h>

#include <cstdlib>
#include <fstream>
#include <sstream>

namespace hyphae::daemon::testing {
namespace {

std::string quoted(const std::string& s) {
  std::string out = "'";
  for (char c : s) {
    if (c == '\'') {
      out += "'\\''";
    } else {
      out += c;
    }
  }
  return out + "'";
}

std::string slurp(const std::filesystem::path& file) {
  std::ifstream in(file);
  std::stringstream ss;
  ss << in.rdbuf();
  std::string s = ss.str();
  // Keep the end: that is where initdb and pg_ctl say what went wrong.
  return s.size() > 600 ? s.substr(s.size() - 600) : s;
}

}  // namespace

PgServer::PgServer() {
  const char* env = std::getenv("HYPHAE_PG_BIN");
  bin_ = env != nullptr ? env : "/usr/lib/postgresql/15/bin";
  for (const char* tool : {"initdb", "pg_ctl", "postgres"}) {
    if (::access((std::filesystem::path(bin_) / tool).c_str(), X_OK) != 0) {
      unavailable_ = fmt::format(
          "PostgreSQL server binaries not found ({}/{} is missing; install the "
          "postgresql package or set HYPHAE_PG_BIN)",
          bin_, tool);
      return;
    }
  }
  std::string t = (std::filesystem::temp_directory_path() / "hyphae-pg-XXXXXX").string();
  if (::mkdtemp(t.data()) == nullptr) {
    unavailable_ = "cannot create a temporary directory";
    return;
  }
  dir_ = t;
  if (::geteuid() == 0) {
    const passwd* pw = ::getpwnam("postgres");
    if (pw == nullptr) {
      unavailable_ = "running as root and there is no `postgres` user to run the server as";
      return;
    }
    if (::chown(dir_.c_str(), pw->pw_uid, pw->pw_gid) != 0) {
      unavailable_ = fmt::format("cannot hand {} to the postgres user", dir_.string());
      return;
    }
    as_user_ = "runuser -u postgres -- ";
  }
  // trust on a private socket directory only we can enter; --no-sync and
  // fsync=off because a test server's data need not survive a power cut.
  if (auto e = run(fmt::format("{}/initdb -D {} -U hyphae -A trust -E UTF8 --no-sync", bin_,
                               quoted((dir_ / "data").string())),
                   "initdb");
      !e.empty()) {
    unavailable_ = e;
    return;
  }
  if (auto e = restart(); !e.empty()) {
    unavailable_ = e;
    return;
  }
}

std::string PgServer::restart() {
  const std::string opts = fmt::format("-c listen_addresses='' -k {} -F", dir_.string());
  const char* verb = started_ ? "restart" : "start";
  auto e =
      run(fmt::format("{}/pg_ctl {} -w -t 30 -D {} -l {} -o {}", bin_, verb, quoted((dir_ / "data").string()),
                      quoted((dir_ / "server.log").string()), quoted(opts)),
          "pg_ctl start");
  if (e.empty()) {
    started_ = true;
  } else {
    e += "\nserver.log: " + slurp(dir_ / "server.log");
  }
  return e;
}

PgServer::~PgServer() {
  if (started_) {
    (void)run(fmt::format("{}/pg_ctl stop -w -m immediate -D {}", bin_, quoted((dir_ / "data").string())),
              "pg_ctl stop");
  }
  if (!dir_.empty()) {
    std::error_code ec;
    std::filesystem::remove_all(dir_, ec);
  }
}

std::string PgServer::run(const std::string& args, const char* what) {
  const auto log = dir_ / "command.log";
  const std::string cmd = fmt::format("{}{} >{} 2>&1", as_user_, args, quoted(log.string()));
  const int rc = std::system(cmd.c_str());
  if (rc == 0) return {};
  return fmt::format("{} failed (status {}): {}", what, rc, slurp(log));
}

std::string PgServer::url(const std::string& db) const {
  return fmt::format("postgresql://hyphae@/{}?host={}", db, dir_.string());
}

std::string PgServer::create_database(const std::string& db) {
  return run(fmt::format("{}/createdb -h {} -U hyphae {}", bin_, quoted(dir_.string()), quoted(db)),
             "createdb");
}

}  // namespace hyphae::daemon::testing
