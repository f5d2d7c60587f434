// The schemas as lists of migrations: migration i takes a store from
// version i to i + 1 (SQLite: PRAGMA user_version; PostgreSQL: the
// schema_version table). Append, never edit: a released migration has
// already run on someone's store.db.
#include "daemon/store_schema.hpp"

namespace hyphae::daemon {

const std::vector<std::string_view>& sqlite_migrations() {
  static const std::vector<std::string_view> kMigrations{
      // 1: the tables of DESIGN.md §4, plus events for history export.
      R"sql(
CREATE TABLE mesh_nodes (
  node_id    TEXT PRIMARY KEY,
  public_key TEXT,
  addresses  TEXT NOT NULL DEFAULT '[]',
  first_seen INTEGER NOT NULL,
  last_seen  INTEGER,
  health     REAL,
  region     TEXT,
  lat        REAL,
  lon        REAL
);
CREATE TABLE node_connections (
  a       TEXT NOT NULL,
  b       TEXT NOT NULL,
  rtt_ms  REAL,
  loss    REAL,
  state   TEXT NOT NULL,
  updated INTEGER NOT NULL,
  PRIMARY KEY (a, b)
);
CREATE TABLE mesh_routes (
  destination TEXT PRIMARY KEY,
  next_hop    TEXT NOT NULL,
  metric      INTEGER NOT NULL,
  seqno       INTEGER NOT NULL,
  updated     INTEGER NOT NULL
);
CREATE TABLE messages (
  id       TEXT PRIMARY KEY,
  src      TEXT NOT NULL,
  dst      TEXT NOT NULL,
  type     TEXT NOT NULL,
  priority TEXT NOT NULL,
  state    TEXT NOT NULL,
  payload  BLOB,
  created  INTEGER NOT NULL,
  acked    INTEGER
);
CREATE TABLE load_history (
  node_id     TEXT NOT NULL,
  ts          INTEGER NOT NULL,
  cpu         REAL,
  mem         REAL,
  connections INTEGER,
  requests    REAL
);
CREATE INDEX load_history_ts ON load_history (ts);
CREATE TABLE alerts (
  id       INTEGER PRIMARY KEY,
  kind     TEXT NOT NULL,
  severity TEXT NOT NULL,
  state    TEXT NOT NULL,
  created  INTEGER NOT NULL,
  acked    INTEGER,
  resolved INTEGER,
  details  TEXT NOT NULL DEFAULT '{}'
);
CREATE INDEX alerts_state ON alerts (state);
CREATE TABLE events (
  id      INTEGER PRIMARY KEY,
  ts      INTEGER NOT NULL,
  type    TEXT NOT NULL,
  node_id TEXT NOT NULL,
  data    TEXT NOT NULL DEFAULT '{}'
);
CREATE INDEX events_ts ON events (ts);
)sql",
      // 2: mesh_routes as the routing table has it: one row per destination
      // and neighbour, with the originator and whether the route is feasible
      // and selected. It holds the latest snapshot only, so the old rows
      // (never written by version 1) are not worth converting.
      R"sql(
DROP TABLE mesh_routes;
CREATE TABLE mesh_routes (
  destination TEXT NOT NULL,
  next_hop    TEXT NOT NULL,
  metric      INTEGER NOT NULL,
  seqno       INTEGER NOT NULL,
  router_id   TEXT NOT NULL,
  feasible    INTEGER NOT NULL,
  selected    INTEGER NOT NULL,
  updated     INTEGER NOT NULL,
  PRIMARY KEY (destination, next_hop)
);
)sql",
  };
  return kMigrations;
}

const std::vector<std::string_view>& postgres_migrations() {
  static const std::vector<std::string_view> kMigrations{
      // 1: the SQLite schema at its version 2, in PostgreSQL types.
      R"sql(
CREATE TABLE mesh_nodes (
  node_id    TEXT PRIMARY KEY,
  public_key TEXT,
  addresses  TEXT NOT NULL DEFAULT '[]',
  first_seen BIGINT NOT NULL,
  last_seen  BIGINT,
  health     DOUBLE PRECISION,
  region     TEXT,
  lat        DOUBLE PRECISION,
  lon        DOUBLE PRECISION
);
CREATE TABLE node_connections (
  a       TEXT NOT NULL,
  b       TEXT NOT NULL,
  rtt_ms  DOUBLE PRECISION,
  loss    DOUBLE PRECISION,
  state   TEXT NOT NULL,
  updated BIGINT NOT NULL,
  PRIMARY KEY (a, b)
);
CREATE TABLE mesh_routes (
  destination TEXT NOT NULL,
  next_hop    TEXT NOT NULL,
  metric      INTEGER NOT NULL,
  seqno       INTEGER NOT NULL,
  router_id   TEXT NOT NULL,
  feasible    BOOLEAN NOT NULL,
  selected    BOOLEAN NOT NULL,
  updated     BIGINT NOT NULL,
  PRIMARY KEY (destination, next_hop)
);
CREATE TABLE messages (
  id       TEXT PRIMARY KEY,
  src      TEXT NOT NULL,
  dst      TEXT NOT NULL,
  type     TEXT NOT NULL,
  priority TEXT NOT NULL,
  state    TEXT NOT NULL,
  payload  BYTEA,
  created  BIGINT NOT NULL,
  acked    BIGINT
);
CREATE TABLE load_history (
  id          BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  node_id     TEXT NOT NULL,
  ts          BIGINT NOT NULL,
  cpu         DOUBLE PRECISION,
  mem         DOUBLE PRECISION,
  connections BIGINT,
  requests    DOUBLE PRECISION
);
CREATE INDEX load_history_ts ON load_history (ts);
CREATE TABLE alerts (
  id       BIGINT PRIMARY KEY,
  kind     TEXT NOT NULL,
  severity TEXT NOT NULL,
  state    TEXT NOT NULL,
  created  BIGINT NOT NULL,
  acked    BIGINT,
  resolved BIGINT,
  details  TEXT NOT NULL DEFAULT '{}'
);
CREATE INDEX alerts_state ON alerts (state);
CREATE TABLE events (
  id      BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  ts      BIGINT NOT NULL,
  type    TEXT NOT NULL,
  node_id TEXT NOT NULL,
  data    TEXT NOT NULL DEFAULT '{}'
);
CREATE INDEX events_ts ON events (ts);
)sql",
  };
  return kMigrations;
}

}  // namespace hyphae::daemon
