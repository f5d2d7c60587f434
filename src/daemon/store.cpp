#include "daemon/store.hpp"

#include <fmt/chrono.h>
#include <fmt/format.h>
#include <sqlite3.h>

#include <charconv>
#include <chrono>
#include <cmath>
#include <ctime>

#include "daemon/sqlite_stmt.hpp"
#include "daemon/store_pg.hpp"
#include "daemon/store_schema.hpp"

namespace hyphae::daemon {
namespace {

class SqliteStore final : public Store {
 public:
  static Result<std::unique_ptr<Store>, std::string> open(const std::filesystem::path& file);

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
  explicit SqliteStore(DbPtr db) : db_(std::move(db)) {}

  std::unexpected<std::string> error(std::string_view what) {
    ++errors_;
    return fail(fmt::format("store: {}: {}", what, sqlite3_errmsg(db_.get())));
  }
  Result<void, std::string> exec(const char* sql, std::string_view what) {
    if (sqlite3_exec(db_.get(), sql, nullptr, nullptr, nullptr) != SQLITE_OK) return error(what);
    return {};
  }
  Result<Stmt, std::string> prepare(std::string_view sql) {
    sqlite3_stmt* s = nullptr;
    if (sqlite3_prepare_v3(db_.get(), sql.data(), static_cast<int>(sql.size()), SQLITE_PREPARE_PERSISTENT, &s,
                           nullptr) != SQLITE_OK) {
      return error(fmt::format("cannot prepare '{}'", sql.substr(0, 40)));
    }
    return Stmt(s);
  }
  // Steps a statement that returns no rows.
  Result<void, std::string> run(Stmt& s, std::string_view what) {
    const int rc = s.step();
    s.fresh();
    if (rc != SQLITE_DONE) return error(what);
    return {};
  }
  void rollback() { sqlite3_exec(db_.get(), "ROLLBACK", nullptr, nullptr, nullptr); }
  Result<void, std::string> prepare_all();

  DbPtr db_;
  Stmt upsert_node_, upsert_connection_, insert_load_, insert_event_, put_alert_, clear_routes_,
      upsert_route_;
  Stmt select_load_, select_events_, select_alerts_, select_nodes_, select_connections_, select_routes_;
};

Result<std::unique_ptr<Store>, std::string> SqliteStore::open(const std::filesystem::path& file) {
  std::error_code ec;
  if (file.has_parent_path()) std::filesystem::create_directories(file.parent_path(), ec);
  sqlite3* raw = nullptr;
  const int rc = sqlite3_open_v2(file.c_str(), &raw, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, nullptr);
  DbPtr db(raw);
  if (rc != SQLITE_OK) {
    return fail(fmt::format("store: cannot open {}: {}", file.string(),
                            raw != nullptr ? sqlite3_errmsg(raw) : sqlite3_errstr(rc)));
  }
  std::unique_ptr<SqliteStore> store(new SqliteStore(std::move(db)));
  sqlite3* h = store->db_.get();
  sqlite3_busy_timeout(h, 2000);
  sqlite3_extended_result_codes(h, 1);
  const auto where = [&](std::string_view what) { return fmt::format("{} ({})", what, file.string()); };

  // WAL: readers never block the writer and a crash (kill -9) at any point
  // leaves a file that opens cleanly; committed transactions survive it.
  // synchronous=NORMAL: the WAL is fsync'd at checkpoints, not per commit,
  // so a power cut may roll back the last few snapshots (re-taken within
  // one interval) but never corrupts the file. put_alert() raises it to
  // FULL for its own commit: an operator's ack must survive power loss too.
  auto mode = store->prepare("PRAGMA journal_mode=WAL");
  if (!mode) return fail(where(mode.error()));
  if (mode->step() != SQLITE_ROW || mode->text(0) != "wal") {
    return fail(where("store: cannot switch to WAL journal mode"));
  }
  mode->fresh();
  if (auto r = store->exec("PRAGMA synchronous=NORMAL", "cannot set synchronous"); !r) {
    return fail(where(r.error()));
  }

  auto version_stmt = store->prepare("PRAGMA user_version");
  if (!version_stmt) return fail(where(version_stmt.error()));
  if (version_stmt->step() != SQLITE_ROW) return fail(where("store: cannot read the schema version"));
  const std::int64_t version = version_stmt->int64(0);
  version_stmt->fresh();
  const auto& migrations = sqlite_migrations();
  const auto known = static_cast<std::int64_t>(migrations.size());
  if (version > known) {
    return fail(fmt::format(
        "store: {} has schema version {}, newer than this hyphae knows ({}); it was written by a newer "
        "release: run that release, or move the file aside to start a new history",
        file.string(), version, known));
  }
  for (std::int64_t v = version; v < known; ++v) {
    // One transaction per step: a crash mid-migration leaves version v intact.
    if (auto r = store->exec("BEGIN IMMEDIATE", "cannot begin a migration"); !r)
      return fail(where(r.error()));
    const std::string sql =
        fmt::format("{}\nPRAGMA user_version = {};", migrations[static_cast<std::size_t>(v)], v + 1);
    if (sqlite3_exec(h, sql.c_str(), nullptr, nullptr, nullptr) != SQLITE_OK) {
      auto e = store->error(fmt::format("migration {} -> {} failed", v, v + 1));
      store->rollback();
      return fail(where(e.error()));
    }
    if (auto r = store->exec("COMMIT", "cannot commit a migration"); !r) {
      store->rollback();
      return fail(where(r.error()));
    }
  }
  if (auto r = store->prepare_all(); !r) return fail(where(r.error()));
  return std::unique_ptr<Store>(std::move(store));
}

Result<void, std::string> SqliteStore::prepare_all() {
  const std::pair<Stmt*, std::string_view> all[] = {
      {&upsert_node_,
       "INSERT INTO mesh_nodes (node_id, public_key, addresses, first_seen, last_seen, health, region, lat, "
       "lon) "
       "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9) ON CONFLICT (node_id) DO UPDATE SET "
       "public_key = COALESCE(excluded.public_key, public_key), addresses = excluded.addresses, "
       "last_seen = COALESCE(excluded.last_seen, last_seen), health = excluded.health, "
       "region = COALESCE(excluded.region, region), lat = COALESCE(excluded.lat, lat), "
       "lon = COALESCE(excluded.lon, lon)"},
      {&upsert_connection_,
       "INSERT INTO node_connections (a, b, rtt_ms, loss, state, updated) VALUES (?1, ?2, ?3, ?4, ?5, ?6) "
       "ON CONFLICT (a, b) DO UPDATE SET rtt_ms = excluded.rtt_ms, loss = excluded.loss, "
       "state = excluded.state, updated = excluded.updated"},
      {&insert_load_,
       "INSERT INTO load_history (node_id, ts, cpu, mem, connections, requests) VALUES (?1, ?2, ?3, ?4, ?5, "
       "?6)"},
      {&insert_event_, "INSERT INTO events (ts, type, node_id, data) VALUES (?1, ?2, ?3, ?4)"},
      {&put_alert_,
       "INSERT OR REPLACE INTO alerts (id, kind, severity, state, created, acked, resolved, details) "
       "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)"},
      {&select_load_,
       "SELECT node_id, ts, cpu, mem, connections, requests FROM load_history WHERE ts BETWEEN ?1 AND ?2 "
       "ORDER BY ts, rowid LIMIT ?3"},
      {&select_events_,
       "SELECT ts, type, node_id, data FROM events WHERE ts BETWEEN ?1 AND ?2 ORDER BY ts, id LIMIT ?3"},
      {&select_alerts_,
       "SELECT id, kind, severity, state, created, acked, resolved, details FROM alerts "
       "WHERE state != 'resolved' OR id IN (SELECT id FROM alerts WHERE state = 'resolved' "
       "ORDER BY id DESC LIMIT ?1) ORDER BY id"},
      {&select_nodes_,
       "SELECT node_id, public_key, addresses, first_seen, last_seen, health, region, lat, lon FROM "
       "mesh_nodes "
       "ORDER BY node_id"},
      {&select_connections_, "SELECT a, b, rtt_ms, loss, state, updated FROM node_connections ORDER BY a, b"},
      {&clear_routes_, "DELETE FROM mesh_routes"},
      // An upsert, not a plain insert: one odd duplicate must not cost the
      // whole snapshot.
      {&upsert_route_,
       "INSERT INTO mesh_routes (destination, next_hop, metric, seqno, router_id, feasible, selected, "
       "updated) "
       "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8) ON CONFLICT (destination, next_hop) DO UPDATE SET "
       "metric = excluded.metric, seqno = excluded.seqno, router_id = excluded.router_id, "
       "feasible = excluded.feasible, selected = excluded.selected, updated = excluded.updated"},
      {&select_routes_,
       "SELECT destination, next_hop, metric, seqno, router_id, feasible, selected, updated FROM mesh_routes "
       "ORDER BY destination, next_hop"},
  };
  for (const auto& [stmt, sql] : all) {
    auto s = prepare(sql);
    if (!s) return fail(s.error());
    *stmt = std::move(*s);
  }
  return {};
}

Result<void, std::string> SqliteStore::write_snapshot(const Snapshot& s) {
  if (auto r = exec("BEGIN IMMEDIATE", "cannot begin a snapshot"); !r) return r;
  auto body = [&]() -> Result<void, std::string> {
    for (const auto& n : s.nodes) {
      auto& st = upsert_node_.fresh();
      st.bind(1, n.node_id);
      st.bind(2, n.public_key);
      st.bind(3, n.addresses);
      st.bind(4, n.first_seen);
      st.bind(5, n.last_seen);
      st.bind(6, n.health);
      st.bind(7, n.region);
      st.bind(8, n.lat);
      st.bind(9, n.lon);
      if (auto r = run(st, "cannot write mesh_nodes"); !r) return r;
    }
    for (const auto& c : s.connections) {
      auto& st = upsert_connection_.fresh();
      st.bind(1, c.a);
      st.bind(2, c.b);
      st.bind(3, c.rtt_ms);
      st.bind(4, c.loss);
      st.bind(5, c.state);
      st.bind(6, c.updated);
      if (auto r = run(st, "cannot write node_connections"); !r) return r;
    }
    for (const auto& l : s.load) {
      auto& st = insert_load_.fresh();
      st.bind(1, l.node_id);
      st.bind(2, l.ts);
      st.bind(3, l.cpu);
      st.bind(4, l.mem);
      st.bind(5, l.connections);
      st.bind(6, l.requests);
      if (auto r = run(st, "cannot write load_history"); !r) return r;
    }
    if (auto r = run(clear_routes_.fresh(), "cannot clear mesh_routes"); !r) return r;
    for (const auto& rt : s.routes) {
      auto& st = upsert_route_.fresh();
      st.bind(1, rt.destination);
      st.bind(2, rt.next_hop);
      st.bind(3, rt.metric);
      st.bind(4, rt.seqno);
      st.bind(5, rt.router_id);
      st.bind(6, std::int64_t{rt.feasible});
      st.bind(7, std::int64_t{rt.selected});
      st.bind(8, rt.updated);
      if (auto r = run(st, "cannot write mesh_routes"); !r) return r;
    }
    return exec("COMMIT", "cannot commit a snapshot");
  };
  auto r = body();
  if (!r) rollback();
  return r;
}

Result<void, std::string> SqliteStore::add_event(const EventRow& e) {
  auto& st = insert_event_.fresh();
  st.bind(1, e.ts);
  st.bind(2, e.type);
  st.bind(3, e.node_id);
  st.bind(4, e.data.empty() ? std::string_view("{}") : std::string_view(e.data));
  return run(st, "cannot write events");
}

Result<void, std::string> SqliteStore::put_alert(const AlertRow& a) {
  // FULL for this one commit: the WAL is fsync'd before put_alert returns,
  // so an acknowledged change survives power loss, not only kill -9.
  if (auto r = exec("PRAGMA synchronous=FULL", "cannot set synchronous"); !r) return r;
  auto& st = put_alert_.fresh();
  st.bind(1, static_cast<std::int64_t>(a.id));
  st.bind(2, a.kind);
  st.bind(3, a.severity);
  st.bind(4, a.state);
  st.bind(5, a.created);
  st.bind(6, a.acked);
  st.bind(7, a.resolved);
  st.bind(8, a.details.empty() ? std::string_view("{}") : std::string_view(a.details));
  auto r = run(st, "cannot write alerts");
  auto back = exec("PRAGMA synchronous=NORMAL", "cannot set synchronous");
  if (!r) return r;
  return back;
}

Result<std::int64_t, std::string> SqliteStore::prune(std::int64_t before) {
  if (auto r = exec("BEGIN IMMEDIATE", "cannot begin pruning"); !r) return fail(r.error());
  std::int64_t deleted = 0;
  const char* deletes[] = {
      "DELETE FROM load_history WHERE ts < ?1",
      "DELETE FROM events WHERE ts < ?1",
      "DELETE FROM alerts WHERE state = 'resolved' AND resolved < ?1",
      "DELETE FROM mesh_nodes WHERE COALESCE(last_seen, first_seen) < ?1",
      "DELETE FROM node_connections WHERE updated < ?1",
      "DELETE FROM mesh_routes WHERE updated < ?1",
  };
  for (const char* sql : deletes) {
    auto st = prepare(sql);
    if (!st) {
      rollback();
      return fail(st.error());
    }
    st->bind(1, before);
    if (auto r = run(*st, "cannot prune"); !r) {
      rollback();
      return fail(r.error());
    }
    deleted += sqlite3_changes(db_.get());
  }
  if (auto r = exec("COMMIT", "cannot commit pruning"); !r) {
    rollback();
    return fail(r.error());
  }
  return deleted;
}

Result<std::vector<LoadRow>, std::string> SqliteStore::load_history(std::int64_t from, std::int64_t to,
                                                                    std::size_t limit) {
  auto& st = select_load_.fresh();
  st.bind(1, from);
  st.bind(2, to);
  st.bind(3, static_cast<std::int64_t>(limit));
  std::vector<LoadRow> out;
  int rc = 0;
  while ((rc = st.step()) == SQLITE_ROW) {
    out.push_back(LoadRow{.node_id = st.text(0),
                          .ts = st.int64(1),
                          .cpu = st.opt_real(2),
                          .mem = st.opt_real(3),
                          .connections = st.opt_int64(4),
                          .requests = st.opt_real(5)});
  }
  st.fresh();
  if (rc != SQLITE_DONE) return error("cannot read load_history");
  return out;
}

Result<std::vector<EventRow>, std::string> SqliteStore::events(std::int64_t from, std::int64_t to,
                                                               std::size_t limit) {
  auto& st = select_events_.fresh();
  st.bind(1, from);
  st.bind(2, to);
  st.bind(3, static_cast<std::int64_t>(limit));
  std::vector<EventRow> out;
  int rc = 0;
  while ((rc = st.step()) == SQLITE_ROW) {
    out.push_back(EventRow{.ts = st.int64(0), .type = st.text(1), .node_id = st.text(2), .data = st.text(3)});
  }
  st.fresh();
  if (rc != SQLITE_DONE) return error("cannot read events");
  return out;
}

Result<std::vector<AlertRow>, std::string> SqliteStore::alerts(std::size_t resolved_limit) {
  auto& st = select_alerts_.fresh();
  st.bind(1, static_cast<std::int64_t>(resolved_limit));
  std::vector<AlertRow> out;
  int rc = 0;
  while ((rc = st.step()) == SQLITE_ROW) {
    out.push_back(AlertRow{.id = static_cast<std::uint64_t>(st.int64(0)),
                           .kind = st.text(1),
                           .severity = st.text(2),
                           .state = st.text(3),
                           .created = st.int64(4),
                           .acked = st.opt_int64(5),
                           .resolved = st.opt_int64(6),
                           .details = st.text(7)});
  }
  st.fresh();
  if (rc != SQLITE_DONE) return error("cannot read alerts");
  return out;
}

Result<std::vector<NodeRow>, std::string> SqliteStore::nodes() {
  auto& st = select_nodes_.fresh();
  std::vector<NodeRow> out;
  int rc = 0;
  while ((rc = st.step()) == SQLITE_ROW) {
    out.push_back(NodeRow{.node_id = st.text(0),
                          .public_key = st.opt_text(1),
                          .addresses = st.text(2),
                          .first_seen = st.int64(3),
                          .last_seen = st.opt_int64(4),
                          .health = st.real(5),
                          .region = st.opt_text(6),
                          .lat = st.opt_real(7),
                          .lon = st.opt_real(8)});
  }
  st.fresh();
  if (rc != SQLITE_DONE) return error("cannot read mesh_nodes");
  return out;
}

Result<std::vector<ConnectionRow>, std::string> SqliteStore::connections() {
  auto& st = select_connections_.fresh();
  std::vector<ConnectionRow> out;
  int rc = 0;
  while ((rc = st.step()) == SQLITE_ROW) {
    out.push_back(ConnectionRow{.a = st.text(0),
                                .b = st.text(1),
                                .rtt_ms = st.opt_real(2),
                                .loss = st.opt_real(3),
                                .state = st.text(4),
                                .updated = st.int64(5)});
  }
  st.fresh();
  if (rc != SQLITE_DONE) return error("cannot read node_connections");
  return out;
}

Result<std::vector<RouteRow>, std::string> SqliteStore::routes() {
  auto& st = select_routes_.fresh();
  std::vector<RouteRow> out;
  int rc = 0;
  while ((rc = st.step()) == SQLITE_ROW) {
    out.push_back(RouteRow{.destination = st.text(0),
                           .next_hop = st.text(1),
                           .metric = st.int64(2),
                           .seqno = st.int64(3),
                           .router_id = st.text(4),
                           .feasible = st.int64(5) != 0,
                           .selected = st.int64(6) != 0,
                           .updated = st.int64(7)});
  }
  st.fresh();
  if (rc != SQLITE_DONE) return error("cannot read mesh_routes");
  return out;
}

// Parses exactly `n` digits at `p` into `out`.
bool digits(std::string_view s, std::size_t p, std::size_t n, int& out) {
  if (p + n > s.size()) return false;
  out = 0;
  for (std::size_t i = p; i < p + n; ++i) {
    if (s[i] < '0' || s[i] > '9') return false;
    out = out * 10 + (s[i] - '0');
  }
  return true;
}

std::optional<std::int64_t> parse_rfc3339(std::string_view s) {
  // YYYY-MM-DDTHH:MM:SS[.frac](Z|+HH:MM|-HH:MM)
  int y = 0, mo = 0, d = 0, h = 0, mi = 0, sec = 0;
  if (!digits(s, 0, 4, y) || s.size() < 20 || s[4] != '-' || !digits(s, 5, 2, mo) || s[7] != '-' ||
      !digits(s, 8, 2, d) || (s[10] != 'T' && s[10] != 't') || !digits(s, 11, 2, h) || s[13] != ':' ||
      !digits(s, 14, 2, mi) || s[16] != ':' || !digits(s, 17, 2, sec)) {
    return std::nullopt;
  }
  std::size_t p = 19;
  std::int64_t ms = 0;
  if (s[p] == '.') {
    ++p;
    std::size_t n = 0;
    std::int64_t scale = 100;
    while (p < s.size() && s[p] >= '0' && s[p] <= '9') {
      ms += (s[p] - '0') * scale;
      scale /= 10;
      ++p;
      ++n;
    }
    if (n == 0) return std::nullopt;
  }
  std::int64_t offset_min = 0;
  if (p < s.size() && (s[p] == 'Z' || s[p] == 'z')) {
    ++p;
  } else if (p < s.size() && (s[p] == '+' || s[p] == '-')) {
    int oh = 0, om = 0;
    if (!digits(s, p + 1, 2, oh) || p + 3 >= s.size() || s[p + 3] != ':' || !digits(s, p + 4, 2, om) ||
        oh > 23 || om > 59) {
      return std::nullopt;
    }
    offset_min = (s[p] == '-' ? -1 : 1) * (std::int64_t{oh} * 60 + om);
    p += 6;
  } else {
    return std::nullopt;
  }
  if (p != s.size()) return std::nullopt;
  const std::chrono::year_month_day ymd{std::chrono::year{y}, std::chrono::month{static_cast<unsigned>(mo)},
                                        std::chrono::day{static_cast<unsigned>(d)}};
  if (!ymd.ok() || h > 23 || mi > 59 || sec > 60) return std::nullopt;
  const std::int64_t days = std::chrono::sys_days{ymd}.time_since_epoch().count();
  const std::int64_t seconds =
      days * 86400 + std::int64_t{h} * 3600 + std::int64_t{mi} * 60 + sec - offset_min * 60;
  return seconds * 1000 + ms;
}

std::string csv_field(std::string_view s) {
  if (s.find_first_of(",\"\r\n") == std::string_view::npos) return std::string(s);
  std::string out = "\"";
  for (char c : s) {
    if (c == '"') out += '"';
    out += c;
  }
  out += '"';
  return out;
}

template <class T>
std::string opt_text(const std::optional<T>& v) {
  return v ? fmt::format("{}", *v) : std::string();
}

}  // namespace

int sqlite_schema_version() { return static_cast<int>(sqlite_migrations().size()); }

Result<std::unique_ptr<Store>, std::string> open_sqlite_store(const std::filesystem::path& file) {
  return SqliteStore::open(file);
}

Result<std::unique_ptr<Store>, std::string> open_store(std::string_view spec,
                                                       const std::filesystem::path& data_dir) {
  if (spec == "sqlite") return open_sqlite_store(data_dir / "store.db");
  if (spec.starts_with("sqlite:")) {
    std::filesystem::path p(spec.substr(7));
    return open_sqlite_store(p.is_absolute() ? p : data_dir / p);
  }
  if (spec.starts_with("postgresql://") || spec.starts_with("postgres://")) {
    return open_postgres_store(std::string(spec));
  }
  return fail(fmt::format(
      "store: unknown store '{}'; use \"sqlite\", \"sqlite:PATH\" or \"postgresql://USER@HOST/DB\"", spec));
}

std::optional<std::int64_t> parse_time(std::string_view text) {
  if (text.empty()) return std::nullopt;
  if (text.find_first_not_of("0123456789.") == std::string_view::npos) {
    // Unix seconds, maybe with a fraction.
    const auto dot = text.find('.');
    std::int64_t secs = 0;
    const std::string_view whole = text.substr(0, dot);
    auto [end, ec] = std::from_chars(whole.data(), whole.data() + whole.size(), secs);
    if (ec != std::errc{} || end != whole.data() + whole.size() || secs > (std::int64_t{1} << 40)) {
      return std::nullopt;
    }
    std::int64_t ms = 0;
    if (dot != std::string_view::npos) {
      const std::string_view frac = text.substr(dot + 1);
      if (frac.empty() || frac.find('.') != std::string_view::npos) return std::nullopt;
      std::int64_t scale = 100;
      for (char c : frac) {
        ms += (c - '0') * scale;
        scale /= 10;
      }
    }
    return secs * 1000 + ms;
  }
  return parse_rfc3339(text);
}

std::string rfc3339_ms(std::int64_t unix_ms) {
  const std::int64_t secs = unix_ms >= 0 ? unix_ms / 1000 : (unix_ms - 999) / 1000;
  const auto ms = unix_ms - secs * 1000;
  return fmt::format("{:%Y-%m-%dT%H:%M:%S}.{:03}Z", fmt::gmtime(static_cast<std::time_t>(secs)), ms);
}

std::string load_csv(const std::vector<LoadRow>& rows) {
  std::string out = "time,unix_ms,node_id,cpu_percent,memory_percent,connections,messages_per_s\n";
  for (const auto& r : rows) {
    out += fmt::format("{},{},{},{},{},{},{}\n", rfc3339_ms(r.ts), r.ts, csv_field(r.node_id),
                       opt_text(r.cpu), opt_text(r.mem), opt_text(r.connections), opt_text(r.requests));
  }
  return out;
}

std::string events_csv(const std::vector<EventRow>& rows) {
  std::string out = "time,unix_ms,type,node_id,data\n";
  for (const auto& r : rows) {
    out += fmt::format("{},{},{},{},{}\n", rfc3339_ms(r.ts), r.ts, csv_field(r.type), csv_field(r.node_id),
                       csv_field(r.data));
  }
  return out;
}

}  // namespace hyphae::daemon
