#include "daemon/store.hpp"

#include <gtest/gtest.h>
#include <sqlite3.h>

#include <cstdlib>
#include <fstream>
#include <map>
#include <pqxx/pqxx>
#include <set>

#include "daemon/store_pg.hpp"
#include "daemon/store_pg_server.hpp"
#include "daemon/store_schema.hpp"

namespace hyphae::daemon {
namespace {

class TempDir {
 public:
  TempDir() {
    std::string t = (std::filesystem::temp_directory_path() / "hyphae-store-XXXXXX").string();
    path_ = ::mkdtemp(t.data());
  }
  ~TempDir() {
    std::error_code ec;
    std::filesystem::remove_all(path_, ec);
  }
  const std::filesystem::path& path() const { return path_; }

 private:
  std::filesystem::path path_;
};

// Direct SQL on the file, as another program (or an older/newer build) would.
std::vector<std::vector<std::string>> query(const std::filesystem::path& file, const std::string& sql) {
  sqlite3* db = nullptr;
  EXPECT_EQ(sqlite3_open(file.c_str(), &db), SQLITE_OK);
  std::vector<std::vector<std::string>> rows;
  sqlite3_stmt* st = nullptr;
  EXPECT_EQ(sqlite3_prepare_v2(db, sql.c_str(), -1, &st, nullptr), SQLITE_OK) << sqlite3_errmsg(db);
  while (sqlite3_step(st) == SQLITE_ROW) {
    std::vector<std::string> row;
    for (int i = 0; i < sqlite3_column_count(st); ++i) {
      const auto* t = sqlite3_column_text(st, i);
      row.emplace_back(t == nullptr ? "NULL" : reinterpret_cast<const char*>(t));
    }
    rows.push_back(std::move(row));
  }
  sqlite3_finalize(st);
  sqlite3_close(db);
  return rows;
}

std::vector<std::string> columns(const std::filesystem::path& file, const std::string& table) {
  std::vector<std::string> out;
  for (const auto& row : query(file, "PRAGMA table_info(" + table + ")")) out.push_back(row[1]);
  return out;
}

const std::string kA(40, 'a'), kB(40, 'b'), kC(40, 'c');

TEST(Store, MigratesAnEmptyFileToTheSchemaOfTheDesign) {
  TempDir dir;
  auto store = open_store("sqlite", dir.path() / "data");
  ASSERT_TRUE(store) << store.error();
  const auto file = dir.path() / "data" / "store.db";
  ASSERT_TRUE(std::filesystem::exists(file));
  EXPECT_EQ(query(file, "PRAGMA user_version")[0][0], std::to_string(sqlite_schema_version()));
  EXPECT_EQ(query(file, "PRAGMA journal_mode")[0][0], "wal");
  const std::map<std::string, std::vector<std::string>> design{
      {"mesh_nodes",
       {"node_id", "public_key", "addresses", "first_seen", "last_seen", "health", "region", "lat", "lon"}},
      {"node_connections", {"a", "b", "rtt_ms", "loss", "state", "updated"}},
      {"mesh_routes",
       {"destination", "next_hop", "metric", "seqno", "router_id", "feasible", "selected", "updated"}},
      {"messages", {"id", "src", "dst", "type", "priority", "state", "payload", "created", "acked"}},
      {"load_history", {"node_id", "ts", "cpu", "mem", "connections", "requests"}},
      {"alerts", {"id", "kind", "severity", "state", "created", "acked", "resolved", "details"}},
      {"events", {"id", "ts", "type", "node_id", "data"}},
  };
  for (const auto& [table, cols] : design) EXPECT_EQ(columns(file, table), cols) << table;
}

// The behaviour every backend must have, run against each: SQLite in a
// temporary directory and PostgreSQL on a throwaway server of the test's
// own (skipped, visibly, where no PostgreSQL server can be started).
class StoreBackend : public ::testing::TestWithParam<std::string> {
 protected:
  void SetUp() override {
    if (GetParam() == "postgresql") {
      pg_ = std::make_unique<testing::PgServer>();
      if (!pg_->unavailable().empty()) GTEST_SKIP() << "no PostgreSQL server: " << pg_->unavailable();
      const auto e = pg_->create_database("hyphae");
      ASSERT_TRUE(e.empty()) << e;
    }
  }
  // A new Store on the same data, as after a restart of the daemon.
  Result<std::unique_ptr<Store>, std::string> open() {
    if (GetParam() == "postgresql") return open_store(pg_->url("hyphae"), dir_.path());
    return open_store("sqlite:store.db", dir_.path());
  }

  TempDir dir_;
  std::unique_ptr<testing::PgServer> pg_;
};

INSTANTIATE_TEST_SUITE_P(Backends, StoreBackend, ::testing::Values("sqlite", "postgresql"),
                         [](const auto& p) { return p.param; });

TEST_P(StoreBackend, ReopensWithItsDataAndWithoutMigratingAgain) {
  {
    auto store = open();
    ASSERT_TRUE(store) << store.error();
    Snapshot s{.ts = 1000,
               .nodes = {NodeRow{.node_id = kB,
                                 .addresses = R"(["10.0.0.2:9900"])",
                                 .first_seen = 1000,
                                 .last_seen = 990,
                                 .health = 0.9}},
               .connections = {ConnectionRow{
                   .a = kA, .b = kB, .rtt_ms = 12.5, .state = "connected", .updated = 1000}},
               .load = {LoadRow{
                   .node_id = kA, .ts = 1000, .cpu = 3.5, .mem = 1.25, .connections = 1, .requests = 4}}};
    ASSERT_TRUE((*store)->write_snapshot(s));
    ASSERT_TRUE(
        (*store)->add_event(EventRow{.ts = 1001, .type = "node.failed", .node_id = kB, .data = "{}"}));
    ASSERT_TRUE((*store)->put_alert(AlertRow{.id = 7,
                                             .kind = "resource",
                                             .severity = "MEDIUM",
                                             .state = "acked",
                                             .created = 1000,
                                             .acked = 1100,
                                             .details = R"({"subject":"cpu"})"}));
  }
  auto store = open();
  ASSERT_TRUE(store) << store.error();
  auto nodes = (*store)->nodes();
  ASSERT_TRUE(nodes);
  ASSERT_EQ(nodes->size(), 1u);
  EXPECT_EQ((*nodes)[0].node_id, kB);
  EXPECT_EQ((*nodes)[0].last_seen, 990);
  auto conns = (*store)->connections();
  ASSERT_TRUE(conns);
  ASSERT_EQ(conns->size(), 1u);
  EXPECT_EQ((*conns)[0].rtt_ms, 12.5);
  EXPECT_FALSE((*conns)[0].loss.has_value());
  auto load = (*store)->load_history(0, 2000, 100);
  ASSERT_TRUE(load);
  ASSERT_EQ(load->size(), 1u);
  EXPECT_EQ((*load)[0].cpu, 3.5);
  EXPECT_EQ((*load)[0].requests, 4.0);
  auto events = (*store)->events(0, 2000, 100);
  ASSERT_TRUE(events);
  ASSERT_EQ(events->size(), 1u);
  EXPECT_EQ((*events)[0].type, "node.failed");
  auto alerts = (*store)->alerts(10);
  ASSERT_TRUE(alerts);
  ASSERT_EQ(alerts->size(), 1u);
  EXPECT_EQ((*alerts)[0].state, "acked");
  EXPECT_EQ((*alerts)[0].acked, 1100);
  EXPECT_EQ((*store)->errors(), 0u);
}

TEST(Store, MigratesAVersion1FileToTheNewRoutesTable) {
  TempDir dir;
  const auto file = dir.path() / "store.db";
  sqlite3* db = nullptr;
  ASSERT_EQ(sqlite3_open(file.c_str(), &db), SQLITE_OK);
  const std::string v1 = std::string(sqlite_migrations()[0]) + "PRAGMA user_version = 1;";
  ASSERT_EQ(sqlite3_exec(db, v1.c_str(), nullptr, nullptr, nullptr), SQLITE_OK) << sqlite3_errmsg(db);
  ASSERT_EQ(
      sqlite3_exec(db, "INSERT INTO load_history (node_id, ts) VALUES ('x', 5)", nullptr, nullptr, nullptr),
      SQLITE_OK);
  sqlite3_close(db);
  auto store = open_sqlite_store(file);
  ASSERT_TRUE(store) << store.error();
  EXPECT_EQ(query(file, "PRAGMA user_version")[0][0], std::to_string(sqlite_schema_version()));
  EXPECT_EQ(columns(file, "mesh_routes"),
            (std::vector<std::string>{"destination", "next_hop", "metric", "seqno", "router_id", "feasible",
                                      "selected", "updated"}));
  EXPECT_EQ((*store)->load_history(0, 10, 10)->size(), 1u) << "older tables keep their rows";
}

TEST(Store, RefusesAFileFromANewerSchema) {
  TempDir dir;
  const auto file = dir.path() / "store.db";
  ASSERT_TRUE(open_sqlite_store(file));
  query(file, "PRAGMA user_version = 99");
  auto store = open_sqlite_store(file);
  ASSERT_FALSE(store);
  EXPECT_NE(store.error().find("schema version 99, newer than this hyphae knows"), std::string::npos)
      << store.error();
  EXPECT_EQ(query(file, "PRAGMA user_version")[0][0], "99") << "must not be touched";
}

TEST(Store, RefusesBackendsItLacksAndUnreadableFiles) {
  TempDir dir;
  auto mysql = open_store("mysql://x", dir.path());
  ASSERT_FALSE(mysql);
  EXPECT_NE(mysql.error().find("unknown store 'mysql://x'"), std::string::npos) << mysql.error();
  const auto junk = dir.path() / "junk.db";
  std::ofstream(junk) << "this is not a database, just text long enough to fill a header...........\n";
  auto bad = open_store("sqlite:junk.db", dir.path());
  ASSERT_FALSE(bad);
  EXPECT_NE(bad.error().find("junk.db"), std::string::npos) << bad.error();
}

TEST_P(StoreBackend, SnapshotsKeepFirstSeenAndTheLastKnownLastSeen) {
  auto store = open();
  ASSERT_TRUE(store) << store.error();
  auto& s = **store;
  ASSERT_TRUE(s.write_snapshot(Snapshot{.ts = 1000,
                                        .nodes = {NodeRow{.node_id = kB,
                                                          .addresses = "[\"1.1.1.1:1\"]",
                                                          .first_seen = 1000,
                                                          .last_seen = 900,
                                                          .health = 1}}}));
  ASSERT_TRUE(s.write_snapshot(Snapshot{
      .ts = 2000,
      .nodes = {NodeRow{.node_id = kB, .addresses = "[\"2.2.2.2:2\"]", .first_seen = 2000, .health = 0.4},
                NodeRow{
                    .node_id = kC, .addresses = "[]", .first_seen = 2000, .last_seen = 1990, .health = 0.7}},
      .connections = {ConnectionRow{.a = kA, .b = kB, .rtt_ms = 5, .state = "connected", .updated = 2000}}}));
  ASSERT_TRUE(s.write_snapshot(
      Snapshot{.ts = 3000,
               .connections = {
                   ConnectionRow{.a = kA, .b = kB, .rtt_ms = 7, .state = "connecting", .updated = 3000}}}));
  auto nodes = s.nodes();
  ASSERT_TRUE(nodes);
  ASSERT_EQ(nodes->size(), 2u);
  EXPECT_EQ((*nodes)[0].first_seen, 1000);
  EXPECT_EQ((*nodes)[0].last_seen, 900) << "a snapshot without last_seen keeps the stored one";
  EXPECT_EQ((*nodes)[0].addresses, "[\"2.2.2.2:2\"]");
  EXPECT_EQ((*nodes)[0].health, 0.4);
  auto conns = s.connections();
  ASSERT_TRUE(conns);
  ASSERT_EQ(conns->size(), 1u) << "one row per pair: the current session";
  EXPECT_EQ((*conns)[0].state, "connecting");
  EXPECT_EQ((*conns)[0].rtt_ms, 7);
}

TEST_P(StoreBackend, PruningDropsRowsOlderThanTheRetention) {
  auto store = open();
  ASSERT_TRUE(store) << store.error();
  auto& s = **store;
  for (std::int64_t ts : {1000, 2000, 3000, 4000}) {
    ASSERT_TRUE(s.write_snapshot(
        Snapshot{.ts = ts,
                 .nodes = {NodeRow{.node_id = ts == 1000 ? kC : kB,
                                   .addresses = "[]",
                                   .first_seen = ts,
                                   .last_seen = ts,
                                   .health = 1}},
                 .connections = {ConnectionRow{
                     .a = kA, .b = ts == 1000 ? kC : kB, .state = "connected", .updated = ts}},
                 .load = {LoadRow{.node_id = kA, .ts = ts, .cpu = 1}}}));
    ASSERT_TRUE(s.add_event(EventRow{.ts = ts, .type = "node.discovered", .node_id = kB}));
  }
  ASSERT_TRUE(s.put_alert(AlertRow{.id = 1,
                                   .kind = "latency",
                                   .severity = "MEDIUM",
                                   .state = "resolved",
                                   .created = 500,
                                   .resolved = 1500}));
  ASSERT_TRUE(s.put_alert(
      AlertRow{.id = 2, .kind = "latency", .severity = "MEDIUM", .state = "open", .created = 500}));
  auto deleted = s.prune(2500);
  ASSERT_TRUE(deleted) << deleted.error();
  // 2 load rows, 2 events, 1 resolved alert, node C, connection A-C.
  EXPECT_EQ(*deleted, 7);
  auto load = s.load_history(0, 10'000, 100);
  ASSERT_EQ(load->size(), 2u);
  EXPECT_EQ(load->front().ts, 3000);
  EXPECT_EQ(s.events(0, 10'000, 100)->size(), 2u);
  auto alerts = s.alerts(100);
  ASSERT_EQ(alerts->size(), 1u);
  EXPECT_EQ(alerts->front().id, 2u) << "an open alert is kept however old";
  EXPECT_EQ(s.nodes()->size(), 1u);
  EXPECT_EQ(s.connections()->size(), 1u);
}

TEST_P(StoreBackend, HistoryIsBoundedAndOrdered) {
  auto store = open();
  ASSERT_TRUE(store) << store.error();
  Snapshot s{.ts = 0};
  for (std::int64_t ts = 10; ts > 0; --ts) s.load.push_back(LoadRow{.node_id = kA, .ts = ts});
  ASSERT_TRUE((*store)->write_snapshot(s));
  auto rows = (*store)->load_history(3, 8, 4);
  ASSERT_TRUE(rows);
  ASSERT_EQ(rows->size(), 4u);
  EXPECT_EQ(rows->front().ts, 3);
  EXPECT_EQ(rows->back().ts, 6);
}

TEST_P(StoreBackend, KeepsTheLastResolvedAlertsAndEveryOpenOne) {
  auto store = open();
  ASSERT_TRUE(store) << store.error();
  for (std::uint64_t id = 1; id <= 6; ++id) {
    ASSERT_TRUE((*store)->put_alert(AlertRow{
        .id = id, .kind = "k", .severity = "LOW", .state = id == 1 ? "open" : "resolved", .created = 1}));
  }
  auto rows = (*store)->alerts(2);
  ASSERT_TRUE(rows);
  std::vector<std::uint64_t> ids;
  for (const auto& r : *rows) ids.push_back(r.id);
  EXPECT_EQ(ids, (std::vector<std::uint64_t>{1, 5, 6}));
}

RouteRow route(std::string destination, std::string next_hop, std::int64_t updated, bool selected) {
  return RouteRow{.destination = std::move(destination),
                  .next_hop = std::move(next_hop),
                  .metric = 256,
                  .seqno = 7,
                  .router_id = "0011:2233:4455:6677",
                  .feasible = true,
                  .selected = selected,
                  .updated = updated};
}

TEST_P(StoreBackend, EachSnapshotReplacesTheRoutes) {
  auto store = open();
  ASSERT_TRUE(store) << store.error();
  auto& s = **store;
  const RouteRow b1 = route("fd00::b/128", kB, 1000, true);
  const RouteRow b2 = route("fd00::b/128", kC, 1000, false);
  const RouteRow c1 = route("fd00::c/128", kC, 1000, true);
  ASSERT_TRUE(s.write_snapshot(Snapshot{.ts = 1000, .routes = {c1, b2, b1}}));
  auto routes = s.routes();
  ASSERT_TRUE(routes) << routes.error();
  EXPECT_EQ(*routes, (std::vector<RouteRow>{b1, b2, c1})) << "by destination, then next hop";

  // C went away: its routes are gone, B's entry via C is retracted.
  RouteRow b2_retracted = route("fd00::b/128", kC, 2000, false);
  b2_retracted.metric = 0xFFFF;
  b2_retracted.feasible = false;
  RouteRow b1_later = b1;
  b1_later.updated = 2000;
  ASSERT_TRUE(s.write_snapshot(Snapshot{.ts = 2000, .routes = {b1_later, b2_retracted}}));
  routes = s.routes();
  ASSERT_TRUE(routes) << routes.error();
  EXPECT_EQ(*routes, (std::vector<RouteRow>{b1_later, b2_retracted}));

  ASSERT_TRUE(s.write_snapshot(Snapshot{.ts = 3000}));
  EXPECT_TRUE(s.routes()->empty()) << "a node with no routes has none stored";

  ASSERT_TRUE(s.write_snapshot(Snapshot{.ts = 4000, .routes = {route("fd00::d/128", kB, 4000, true)}}));
  auto deleted = s.prune(5000);
  ASSERT_TRUE(deleted) << deleted.error();
  EXPECT_EQ(*deleted, 1);
  EXPECT_TRUE(s.routes()->empty());
  EXPECT_EQ(s.errors(), 0u);
}

// Direct SQL on the PostgreSQL database, as another program would.
std::vector<std::vector<std::string>> pg_query(const std::string& url, const std::string& sql) {
  pqxx::connection c(url);
  pqxx::work w(c);
  std::vector<std::vector<std::string>> rows;
  for (const auto& row : w.exec(sql)) {
    std::vector<std::string> out;
    for (const auto& f : row) out.emplace_back(f.is_null() ? "NULL" : f.c_str());
    rows.push_back(std::move(out));
  }
  w.commit();
  return rows;
}

class PostgresStore : public ::testing::Test {
 protected:
  void SetUp() override {
    if (!pg_.unavailable().empty()) GTEST_SKIP() << "no PostgreSQL server: " << pg_.unavailable();
    const auto e = pg_.create_database("hyphae");
    ASSERT_TRUE(e.empty()) << e;
    url_ = pg_.url("hyphae");
  }
  testing::PgServer pg_;
  std::string url_;
};

TEST_F(PostgresStore, MigratesAnEmptyDatabaseToTheSchemaOfTheDesign) {
  auto store = open_store(url_, "/nonexistent");
  ASSERT_TRUE(store) << store.error();
  const auto versions = pg_query(url_, "SELECT version FROM schema_version ORDER BY version");
  ASSERT_EQ(versions.size(), static_cast<std::size_t>(postgres_schema_version()));
  EXPECT_EQ(versions.back()[0], std::to_string(postgres_schema_version()));
  const std::map<std::string, std::vector<std::string>> design{
      {"mesh_nodes",
       {"node_id", "public_key", "addresses", "first_seen", "last_seen", "health", "region", "lat", "lon"}},
      {"node_connections", {"a", "b", "rtt_ms", "loss", "state", "updated"}},
      {"mesh_routes",
       {"destination", "next_hop", "metric", "seqno", "router_id", "feasible", "selected", "updated"}},
      {"messages", {"id", "src", "dst", "type", "priority", "state", "payload", "created", "acked"}},
      {"load_history", {"id", "node_id", "ts", "cpu", "mem", "connections", "requests"}},
      {"alerts", {"id", "kind", "severity", "state", "created", "acked", "resolved", "details"}},
      {"events", {"id", "ts", "type", "node_id", "data"}},
  };
  for (const auto& [table, cols] : design) {
    std::vector<std::string> got;
    for (const auto& row : pg_query(url_,
                                    "SELECT column_name FROM information_schema.columns WHERE "
                                    "table_name = '" +
                                        table + "' ORDER BY ordinal_position")) {
      got.push_back(row[0]);
    }
    EXPECT_EQ(got, cols) << table;
  }
  store->reset();
  ASSERT_TRUE(open_store(url_, "/nonexistent"));
  EXPECT_EQ(pg_query(url_, "SELECT count(*) FROM schema_version")[0][0],
            std::to_string(postgres_schema_version()))
      << "a second open must not migrate again";
}

TEST_F(PostgresStore, RefusesADatabaseFromANewerSchema) {
  ASSERT_TRUE(open_store(url_, "/nonexistent"));
  pg_query(url_, "INSERT INTO schema_version (version, applied) VALUES (99, 0)");
  auto store = open_store(url_, "/nonexistent");
  ASSERT_FALSE(store);
  EXPECT_NE(store.error().find("schema version 99, newer than this hyphae knows"), std::string::npos)
      << store.error();
}

TEST_F(PostgresStore, ReconnectsAtTheNextCallAfterTheServerRestarts) {
  auto store = open_store(url_, "/nonexistent");
  ASSERT_TRUE(store) << store.error();
  auto& s = **store;
  ASSERT_TRUE(s.add_event(EventRow{.ts = 1, .type = "node.failed", .node_id = kB}));
  const auto e = pg_.restart();
  ASSERT_TRUE(e.empty()) << e;
  // The first call finds the old session cut: it fails, as a value, and is
  // counted. The one after it connects again.
  auto first = s.add_event(EventRow{.ts = 2, .type = "node.recovered", .node_id = kB});
  ASSERT_FALSE(first);
  EXPECT_NE(first.error().find("store: cannot write events"), std::string::npos) << first.error();
  EXPECT_EQ(s.errors(), 1u);
  ASSERT_TRUE(s.add_event(EventRow{.ts = 3, .type = "node.recovered", .node_id = kB}));
  auto events = s.events(0, 10, 10);
  ASSERT_TRUE(events) << events.error();
  ASSERT_EQ(events->size(), 2u);
  EXPECT_EQ((*events)[0].ts, 1);
  EXPECT_EQ((*events)[1].ts, 3);
  EXPECT_EQ(s.errors(), 1u);
}

TEST_F(PostgresStore, AFailedSnapshotWritesNothing) {
  auto store = open_store(url_, "/nonexistent");
  ASSERT_TRUE(store) << store.error();
  auto& s = **store;
  // Another program broke the table the third row goes to: the snapshot's
  // first rows must not stay behind on their own.
  pg_query(url_, "ALTER TABLE load_history ADD CONSTRAINT cpu_small CHECK (cpu < 100)");
  auto r = s.write_snapshot(
      Snapshot{.ts = 1000,
               .nodes = {NodeRow{.node_id = kB, .addresses = "[]", .first_seen = 1000, .health = 1}},
               .load = {LoadRow{.node_id = kA, .ts = 1000, .cpu = 5},
                        LoadRow{.node_id = kB, .ts = 1000, .cpu = 500}}});
  ASSERT_FALSE(r);
  EXPECT_NE(r.error().find("cpu_small"), std::string::npos) << r.error();
  EXPECT_EQ(s.errors(), 1u);
  EXPECT_TRUE(s.nodes()->empty());
  EXPECT_TRUE(s.load_history(0, 2000, 10)->empty());
}

TEST(PostgresStoreOpen, AnUnreachableServerIsAClearErrorWithoutThePassword) {
  auto store = open_store("postgresql://hyphae:s3cret@/hyphae?host=/nonexistent-hyphae-dir", "/nonexistent");
  ASSERT_FALSE(store);
  EXPECT_NE(store.error().find("store: cannot open"), std::string::npos) << store.error();
  EXPECT_NE(store.error().find("postgresql://hyphae:***@/hyphae"), std::string::npos) << store.error();
  EXPECT_EQ(store.error().find("s3cret"), std::string::npos) << store.error();
  EXPECT_FALSE(open_store("postgres://hyphae@/hyphae?host=/nonexistent-hyphae-dir", "/nonexistent"));
}

TEST(PostgresStoreOpen, RedactsOnlyThePassword) {
  EXPECT_EQ(redact_url("postgresql://u:p@h:5432/db"), "postgresql://u:***@h:5432/db");
  EXPECT_EQ(redact_url("postgresql://u@h/db"), "postgresql://u@h/db");
  EXPECT_EQ(redact_url("postgresql://h:5432/db?x=a@b"), "postgresql://h:5432/db?x=a@b");
  EXPECT_EQ(redact_url("postgres://u:p%40ss@h/db"), "postgres://u:***@h/db");
}

TEST(Store, ParsesUnixSecondsAndRfc3339) {
  EXPECT_EQ(parse_time("1700000000"), 1'700'000'000'000);
  EXPECT_EQ(parse_time("1700000000.25"), 1'700'000'000'250);
  EXPECT_EQ(parse_time("0"), 0);
  EXPECT_EQ(parse_time("2023-11-14T22:13:20Z"), 1'700'000'000'000);
  EXPECT_EQ(parse_time("2023-11-14T22:13:20.5Z"), 1'700'000'000'500);
  EXPECT_EQ(parse_time("2023-11-15T00:13:20+02:00"), 1'700'000'000'000);
  EXPECT_EQ(parse_time("2023-11-14T21:13:20-01:00"), 1'700'000'000'000);
  for (const char* bad : {"", "yesterday", "-5", "1.2.3", "1.", "2023-11-14", "2023-11-14T22:13:20",
                          "2023-02-30T00:00:00Z", "2023-11-14T25:00:00Z", "2023-11-14T22:13:20+2:00",
                          "2023-11-14T22:13:20Zjunk", "99999999999999999999"}) {
    EXPECT_FALSE(parse_time(bad).has_value()) << bad;
  }
  EXPECT_EQ(rfc3339_ms(1'700'000'000'250), "2023-11-14T22:13:20.250Z");
  EXPECT_EQ(parse_time(rfc3339_ms(1'700'000'000'250)), 1'700'000'000'250);
}

TEST(Store, CsvHasAHeaderAndQuotesWhereNeeded) {
  EXPECT_EQ(
      load_csv({LoadRow{.node_id = kA, .ts = 1'700'000'000'000, .cpu = 1.5, .mem = 2, .connections = 3}}),
      "time,unix_ms,node_id,cpu_percent,memory_percent,connections,messages_per_s\n"
      "2023-11-14T22:13:20.000Z,1700000000000," +
          kA + ",1.5,2,3,\n");
  EXPECT_EQ(events_csv({EventRow{.ts = 0, .type = "alert.raised", .node_id = kA, .data = R"({"a":"x,y"})"}}),
            "time,unix_ms,type,node_id,data\n1970-01-01T00:00:00.000Z,0,alert.raised," + kA +
                ",\"{\"\"a\"\":\"\"x,y\"\"}\"\n");
}

}  // namespace
}  // namespace hyphae::daemon
