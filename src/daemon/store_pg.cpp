#include "daemon/store_pg.hpp"

#include <fmt/format.h>

#include <chrono>
#include <pqxx/pqxx>

#include "daemon/store_schema.hpp"

namespace hyphae::daemon {
namespace {

// Any two hyphae daemons migrating the same database take turns on this
// advisory lock ("hyph" in ASCII), so neither sees a half-made schema.
constexpr std::int64_t kMigrationLock = 0x68797068;

std::string trimmed(std::string_view s) {
  while (!s.empty() && (s.back() == '\n' || s.back() == ' ')) s.remove_suffix(1);
  return std::string(s);
}

template <class T>
std::optional<T> opt(const pqxx::field& f) {
  return f.is_null() ? std::nullopt : std::optional(f.as<T>());
}

class PgStore final : public Store {
 public:
  explicit PgStore(std::string url) : url_(std::move(url)), shown_(redact_url(url_)) {}

  // Connects and migrates; an error names the (redacted) URL.
  Result<void, std::string> start();

  Result<void, std::string> write_snapshot(const Snapshot& s) override;
  Result<void, std::string> add_event(const EventRow& e) override;
  Result<void, std::string> put_alert(const AlertRow& a) override;
  Result<std::int64_t, std::string> prune(std::int64_t before) override;
  Result<std::vector<LoadRow>, std::string> load_history(std::int64_t from, std::int64_t to,
                                                         std::size_t limit) override;
  Result<std::vector<EventRow>, std::string> events(std::int64_t from, std::int64_t to,
                                                    std::size_t limit) override;
  Result<std::vector<AlertRow>, std::string> alerts(std::size_t resolved_limit) override;
  Result<std::vector<NodeRow>, std::string> nodes() override;
  Result<std::vector<ConnectionRow>, std::string> connections() override;
  Result<std::vector<RouteRow>, std::string> routes() override;

 private:
  // Runs `f(connection)`, (re)connecting first if there is no open
  // connection. libpqxx reports errors by throwing; none may leave the
  // Store interface, so every one becomes an error value here. A broken
  // connection is dropped so that the next call connects afresh.
  template <class F>
  auto call(std::string_view what, F&& f) -> decltype(f(std::declval<pqxx::connection&>())) {
    try {
      if (!conn_ || !conn_->is_open()) connect();
      return f(*conn_);
    } catch (const pqxx::sql_error& e) {
      // A statement the server refused leaves a usable session, except
      // for connection errors (class 08) and operator intervention such
      // as a shutdown (class 57).
      const std::string& state = e.sqlstate();
      if (state.starts_with("08") || state.starts_with("57")) conn_.reset();
      return error(what, e.what());
    } catch (const std::exception& e) {
      // broken_connection, in_doubt_error (the commit's fate is unknown)
      // and anything else: start the next call on a new session.
      conn_.reset();
      return error(what, e.what());
    }
  }
  std::unexpected<std::string> error(std::string_view what, std::string_view detail) {
    ++errors_;
    return fail(fmt::format("store: {}: {}", what, trimmed(detail)));
  }
  void connect();
  void migrate(pqxx::connection& c);

  std::string url_;
  std::string shown_;  // url_ without its password
  std::unique_ptr<pqxx::connection> conn_;
};

// Statements, prepared on every new connection.
const std::pair<const char*, const char*> kStatements[] = {
    {"upsert_node",
     "INSERT INTO mesh_nodes AS t (node_id, public_key, addresses, first_seen, last_seen, health, region, "
     "lat, "
     "lon) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) ON CONFLICT (node_id) DO UPDATE SET "
     "public_key = COALESCE(EXCLUDED.public_key, t.public_key), addresses = EXCLUDED.addresses, "
     "last_seen = COALESCE(EXCLUDED.last_seen, t.last_seen), health = EXCLUDED.health, "
     "region = COALESCE(EXCLUDED.region, t.region), lat = COALESCE(EXCLUDED.lat, t.lat), "
     "lon = COALESCE(EXCLUDED.lon, t.lon)"},
    {"upsert_connection",
     "INSERT INTO node_connections (a, b, rtt_ms, loss, state, updated) VALUES ($1, $2, $3, $4, $5, $6) "
     "ON CONFLICT (a, b) DO UPDATE SET rtt_ms = EXCLUDED.rtt_ms, loss = EXCLUDED.loss, "
     "state = EXCLUDED.state, updated = EXCLUDED.updated"},
    {"insert_load",
     "INSERT INTO load_history (node_id, ts, cpu, mem, connections, requests) VALUES ($1, $2, $3, $4, $5, "
     "$6)"},
    {"upsert_route",
     "INSERT INTO mesh_routes (destination, next_hop, metric, seqno, router_id, feasible, selected, updated) "
     "VALUES ($1, $2, $3, $4, $5, $6, $7, $8) ON CONFLICT (destination, next_hop) DO UPDATE SET "
     "metric = EXCLUDED.metric, seqno = EXCLUDED.seqno, router_id = EXCLUDED.router_id, "
     "feasible = EXCLUDED.feasible, selected = EXCLUDED.selected, updated = EXCLUDED.updated"},
    {"insert_event", "INSERT INTO events (ts, type, node_id, data) VALUES ($1, $2, $3, $4)"},
    {"put_alert",
     "INSERT INTO alerts (id, kind, severity, state, created, acked, resolved, details) "
     "VALUES ($1, $2, $3, $4, $5, $6, $7, $8) ON CONFLICT (id) DO UPDATE SET kind = EXCLUDED.kind, "
     "severity = EXCLUDED.severity, state = EXCLUDED.state, created = EXCLUDED.created, "
     "acked = EXCLUDED.acked, resolved = EXCLUDED.resolved, details = EXCLUDED.details"},
    {"select_load",
     "SELECT node_id, ts, cpu, mem, connections, requests FROM load_history WHERE ts BETWEEN $1 AND $2 "
     "ORDER BY ts, id LIMIT $3"},
    {"select_events",
     "SELECT ts, type, node_id, data FROM events WHERE ts BETWEEN $1 AND $2 ORDER BY ts, id LIMIT $3"},
    {"select_alerts",
     "SELECT id, kind, severity, state, created, acked, resolved, details FROM alerts "
     "WHERE state <> 'resolved' OR id IN (SELECT id FROM alerts WHERE state = 'resolved' "
     "ORDER BY id DESC LIMIT $1) ORDER BY id"},
    {"select_nodes",
     "SELECT node_id, public_key, addresses, first_seen, last_seen, health, region, lat, lon FROM mesh_nodes "
     "ORDER BY node_id"},
    {"select_connections", "SELECT a, b, rtt_ms, loss, state, updated FROM node_connections ORDER BY a, b"},
    {"select_routes",
     "SELECT destination, next_hop, metric, seqno, router_id, feasible, selected, updated FROM mesh_routes "
     "ORDER BY destination, next_hop"},
};

void PgStore::connect() {
  conn_.reset();
  auto c = std::make_unique<pqxx::connection>(url_);
  for (const auto& [name, sql] : kStatements) c->prepare(name, sql);
  conn_ = std::move(c);
}

void PgStore::migrate(pqxx::connection& c) {
  pqxx::work w(c);
  w.exec_params("SELECT pg_advisory_xact_lock($1)", kMigrationLock);
  // One row per applied migration, so an operator can see when each ran.
  w.exec(
      "CREATE TABLE IF NOT EXISTS schema_version (version INTEGER PRIMARY KEY, "
      "applied BIGINT NOT NULL)");
  const auto version =
      w.exec("SELECT COALESCE(MAX(version), 0) FROM schema_version")[0][0].as<std::int64_t>();
  const auto& migrations = postgres_migrations();
  const auto known = static_cast<std::int64_t>(migrations.size());
  if (version > known) {
    throw std::runtime_error(fmt::format(
        "the database has schema version {}, newer than this hyphae knows ({}); it was written by "
        "a newer release: run that release, or point store at a new database",
        version, known));
  }
  const auto now = std::chrono::duration_cast<std::chrono::milliseconds>(
                       std::chrono::system_clock::now().time_since_epoch())
                       .count();
  // PostgreSQL's DDL is transactional: all steps commit together or none.
  for (std::int64_t v = version; v < known; ++v) {
    w.exec(std::string(migrations[static_cast<std::size_t>(v)]));
    w.exec_params("INSERT INTO schema_version (version, applied) VALUES ($1, $2)", v + 1,
                  static_cast<std::int64_t>(now));
  }
  w.commit();
}

Result<void, std::string> PgStore::start() {
  auto r = call("cannot open", [&](pqxx::connection& c) -> Result<void, std::string> {
    migrate(c);
    return {};
  });
  if (!r) return fail(fmt::format("{} ({})", r.error(), shown_));
  return {};
}

Result<void, std::string> PgStore::write_snapshot(const Snapshot& s) {
  return call("cannot write a snapshot", [&](pqxx::connection& c) -> Result<void, std::string> {
    pqxx::work w(c);
    // Like SQLite's synchronous=NORMAL: a server crash may lose the last
    // snapshots (re-taken within one interval), never corrupt anything.
    w.exec("SET LOCAL synchronous_commit = off");
    for (const auto& n : s.nodes) {
      w.exec_prepared("upsert_node", n.node_id, n.public_key, n.addresses, n.first_seen, n.last_seen,
                      n.health, n.region, n.lat, n.lon);
    }
    for (const auto& x : s.connections) {
      w.exec_prepared("upsert_connection", x.a, x.b, x.rtt_ms, x.loss, x.state, x.updated);
    }
    for (const auto& l : s.load) {
      w.exec_prepared("insert_load", l.node_id, l.ts, l.cpu, l.mem, l.connections, l.requests);
    }
    w.exec("DELETE FROM mesh_routes");
    for (const auto& r : s.routes) {
      w.exec_prepared("upsert_route", r.destination, r.next_hop, r.metric, r.seqno, r.router_id, r.feasible,
                      r.selected, r.updated);
    }
    w.commit();
    return {};
  });
}

Result<void, std::string> PgStore::add_event(const EventRow& e) {
  return call("cannot write events", [&](pqxx::connection& c) -> Result<void, std::string> {
    pqxx::work w(c);
    w.exec_prepared("insert_event", e.ts, e.type, e.node_id, e.data.empty() ? std::string("{}") : e.data);
    w.commit();
    return {};
  });
}

Result<void, std::string> PgStore::put_alert(const AlertRow& a) {
  return call("cannot write alerts", [&](pqxx::connection& c) -> Result<void, std::string> {
    pqxx::work w(c);
    // On even where the server, database or role defaults to off: the
    // commit returns only once the WAL is flushed, so an acknowledged ack
    // or resolve survives a crash of the server or the machine.
    w.exec("SET LOCAL synchronous_commit = on");
    w.exec_prepared("put_alert", static_cast<std::int64_t>(a.id), a.kind, a.severity, a.state, a.created,
                    a.acked, a.resolved, a.details.empty() ? std::string("{}") : a.details);
    w.commit();
    return {};
  });
}

Result<std::int64_t, std::string> PgStore::prune(std::int64_t before) {
  return call("cannot prune", [&](pqxx::connection& c) -> Result<std::int64_t, std::string> {
    pqxx::work w(c);
    const char* deletes[] = {
        "DELETE FROM load_history WHERE ts < $1",
        "DELETE FROM events WHERE ts < $1",
        "DELETE FROM alerts WHERE state = 'resolved' AND resolved < $1",
        "DELETE FROM mesh_nodes WHERE COALESCE(last_seen, first_seen) < $1",
        "DELETE FROM node_connections WHERE updated < $1",
        "DELETE FROM mesh_routes WHERE updated < $1",
    };
    std::int64_t deleted = 0;
    for (const char* sql : deletes) deleted += w.exec_params(sql, before).affected_rows();
    w.commit();
    return deleted;
  });
}

Result<std::vector<LoadRow>, std::string> PgStore::load_history(std::int64_t from, std::int64_t to,
                                                                std::size_t limit) {
  return call(
      "cannot read load_history", [&](pqxx::connection& c) -> Result<std::vector<LoadRow>, std::string> {
        pqxx::read_transaction t(c);
        std::vector<LoadRow> out;
        for (const auto& row : t.exec_prepared("select_load", from, to, static_cast<std::int64_t>(limit))) {
          out.push_back(LoadRow{.node_id = row[0].as<std::string>(),
                                .ts = row[1].as<std::int64_t>(),
                                .cpu = opt<double>(row[2]),
                                .mem = opt<double>(row[3]),
                                .connections = opt<std::int64_t>(row[4]),
                                .requests = opt<double>(row[5])});
        }
        return out;
      });
}

Result<std::vector<EventRow>, std::string> PgStore::events(std::int64_t from, std::int64_t to,
                                                           std::size_t limit) {
  return call("cannot read events", [&](pqxx::connection& c) -> Result<std::vector<EventRow>, std::string> {
    pqxx::read_transaction t(c);
    std::vector<EventRow> out;
    for (const auto& row : t.exec_prepared("select_events", from, to, static_cast<std::int64_t>(limit))) {
      out.push_back(EventRow{.ts = row[0].as<std::int64_t>(),
                             .type = row[1].as<std::string>(),
                             .node_id = row[2].as<std::string>(),
                             .data = row[3].as<std::string>()});
    }
    return out;
  });
}

Result<std::vector<AlertRow>, std::string> PgStore::alerts(std::size_t resolved_limit) {
  return call("cannot read alerts", [&](pqxx::connection& c) -> Result<std::vector<AlertRow>, std::string> {
    pqxx::read_transaction t(c);
    std::vector<AlertRow> out;
    for (const auto& row : t.exec_prepared("select_alerts", static_cast<std::int64_t>(resolved_limit))) {
      out.push_back(AlertRow{.id = static_cast<std::uint64_t>(row[0].as<std::int64_t>()),
                             .kind = row[1].as<std::string>(),
                             .severity = row[2].as<std::string>(),
                             .state = row[3].as<std::string>(),
                             .created = row[4].as<std::int64_t>(),
                             .acked = opt<std::int64_t>(row[5]),
                             .resolved = opt<std::int64_t>(row[6]),
                             .details = row[7].as<std::string>()});
    }
    return out;
  });
}

Result<std::vector<NodeRow>, std::string> PgStore::nodes() {
  return call("cannot read mesh_nodes",
              [&](pqxx::connection& c) -> Result<std::vector<NodeRow>, std::string> {
                pqxx::read_transaction t(c);
                std::vector<NodeRow> out;
                for (const auto& row : t.exec_prepared("select_nodes")) {
                  out.push_back(NodeRow{.node_id = row[0].as<std::string>(),
                                        .public_key = opt<std::string>(row[1]),
                                        .addresses = row[2].as<std::string>(),
                                        .first_seen = row[3].as<std::int64_t>(),
                                        .last_seen = opt<std::int64_t>(row[4]),
                                        .health = opt<double>(row[5]).value_or(0.0),
                                        .region = opt<std::string>(row[6]),
                                        .lat = opt<double>(row[7]),
                                        .lon = opt<double>(row[8])});
                }
                return out;
              });
}

Result<std::vector<ConnectionRow>, std::string> PgStore::connections() {
  return call("cannot read node_connections",
              [&](pqxx::connection& c) -> Result<std::vector<ConnectionRow>, std::string> {
                pqxx::read_transaction t(c);
                std::vector<ConnectionRow> out;
                for (const auto& row : t.exec_prepared("select_connections")) {
                  out.push_back(ConnectionRow{.a = row[0].as<std::string>(),
                                              .b = row[1].as<std::string>(),
                                              .rtt_ms = opt<double>(row[2]),
                                              .loss = opt<double>(row[3]),
                                              .state = row[4].as<std::string>(),
                                              .updated = row[5].as<std::int64_t>()});
                }
                return out;
              });
}

Result<std::vector<RouteRow>, std::string> PgStore::routes() {
  return call("cannot read mesh_routes",
              [&](pqxx::connection& c) -> Result<std::vector<RouteRow>, std::string> {
                pqxx::read_transaction t(c);
                std::vector<RouteRow> out;
                for (const auto& row : t.exec_prepared("select_routes")) {
                  out.push_back(RouteRow{.destination = row[0].as<std::string>(),
                                         .next_hop = row[1].as<std::string>(),
                                         .metric = row[2].as<std::int64_t>(),
                                         .seqno = row[3].as<std::int64_t>(),
                                         .router_id = row[4].as<std::string>(),
                                         .feasible = row[5].as<bool>(),
                                         .selected = row[6].as<bool>(),
                                         .updated = row[7].as<std::int64_t>()});
                }
                return out;
              });
}

}  // namespace

int postgres_schema_version() { return static_cast<int>(postgres_migrations().size()); }

std::string redact_url(const std::string& url) {
  // scheme://user:password@host...: the userinfo ends at the last '@'
  // before the path.
  const auto scheme = url.find("://");
  if (scheme == std::string::npos) return url;
  const auto start = scheme + 3;
  const auto path = url.find_first_of("/?", start);
  const auto at = url.rfind('@', path == std::string::npos ? std::string::npos : path);
  if (at == std::string::npos || at < start) return url;
  const auto colon = url.find(':', start);
  if (colon == std::string::npos || colon > at) return url;
  return url.substr(0, colon + 1) + "***" + url.substr(at);
}

Result<std::unique_ptr<Store>, std::string> open_postgres_store(const std::string& url) {
  // libpq waits for an unreachable host as long as TCP does (minutes); a
  // daemon starting up should say so within seconds.
  std::string full = url;
  if (full.find("connect_timeout=") == std::string::npos) {
    full += full.find('?') == std::string::npos ? "?connect_timeout=10" : "&connect_timeout=10";
  }
  auto store = std::make_unique<PgStore>(std::move(full));
  if (auto r = store->start(); !r) return fail(r.error());
  return std::unique_ptr<Store>(std::move(store));
}

}  // namespace hyphae::daemon
