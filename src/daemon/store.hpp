// The daemon's history store (DESIGN.md §4): known nodes, connections, load
// samples, routes, events and alerts. `Store` is the interface; SQLite (WAL,
// in data_dir/store.db) is the default backend, PostgreSQL the other. Timestamps are Unix milliseconds (UTC).
// Errors are values; every failed call is also counted in errors() (the daemon exports it as
// hyphae_store_errors_total). The PostgreSQL backend (store_pg.hpp) implements the same interface with the
// same semantics.
#pragma once

#include <cstdint>
#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "base/result.hpp"

namespace hyphae::daemon {

// mesh_nodes: a member this node knows. first_seen is kept from the first
// snapshot that had it; a null last_seen keeps the stored one.
struct NodeRow {
  std::string node_id;
  std::optional<std::string> public_key;  // hex; null until membership exposes it
  std::string addresses;                  // JSON array of "ip:port"
  std::int64_t first_seen = 0;
  std::optional<std::int64_t> last_seen;  // our last ack from it
  double health = 0;                      // 0..1 (membership health score)
  std::optional<std::string> region;
  std::optional<double> lat, lon;
};

// node_connections: the current session between `a` (this node) and `b`.
struct ConnectionRow {
  std::string a, b;
  std::optional<double> rtt_ms;
  std::optional<double> loss;  // 0..1; null until links measure it
  std::string state;           // "connected", "connecting"
  std::int64_t updated = 0;
};

// mesh_routes: one entry of this node's routing table (per destination and
// neighbour that announced it), as GET /api/mesh/routes shows it. Each
// snapshot replaces the whole table: it is the table at snapshot time.
struct RouteRow {
  std::string destination;  // prefix, "fd12:...:1/128"
  std::string next_hop;     // the neighbour's node id
  std::int64_t metric = 0;  // 0xFFFF: unreachable (retracted)
  std::int64_t seqno = 0;
  std::string router_id;  // the originator
  bool feasible = false;
  bool selected = false;  // the entry in use for `destination`
  std::int64_t updated = 0;
  bool operator==(const RouteRow&) const = default;
};

// load_history: one sample of a node's load.
struct LoadRow {
  std::string node_id;
  std::int64_t ts = 0;
  std::optional<double> cpu;  // percent of the machine
  std::optional<double> mem;  // percent of MemTotal
  std::optional<std::int64_t> connections;
  std::optional<double> requests;  // messages per second (sent + received); null for other nodes
};

// events: node and alert events, for history export.
struct EventRow {
  std::int64_t ts = 0;
  std::string type;  // "node.failed", "alert.raised", ...
  std::string node_id;
  std::string data;  // JSON object text
};

// alerts: one alert; written whole (insert or replace by id).
struct AlertRow {
  std::uint64_t id = 0;
  std::string kind;      // "latency", "health", "resource", "node_failed", "partition"
  std::string severity;  // "LOW", "MEDIUM", "HIGH", "CRITICAL"
  std::string state;     // "open", "acked", "resolved"
  std::int64_t created = 0;
  std::optional<std::int64_t> acked, resolved;
  std::string details;  // JSON object text (subject, value, threshold, members, ...)
  bool operator==(const AlertRow&) const = default;
};

// What one periodic snapshot writes, in one transaction.
struct Snapshot {
  std::int64_t ts = 0;
  std::vector<NodeRow> nodes;
  std::vector<ConnectionRow> connections;
  std::vector<LoadRow> load;
  std::vector<RouteRow> routes;  // replaces mesh_routes
};

class Store {
 public:
  virtual ~Store() = default;

  virtual Result<void, std::string> write_snapshot(const Snapshot& s) = 0;
  virtual Result<void, std::string> add_event(const EventRow& e) = 0;
  // Durable before it returns, also against power loss: an operator's ack
  // or resolve must not come back undone.
  virtual Result<void, std::string> put_alert(const AlertRow& a) = 0;
  // Deletes load samples, events and resolved alerts older than `before`,
  // and nodes and connections not seen since. Returns the rows deleted.
  virtual Result<std::int64_t, std::string> prune(std::int64_t before) = 0;

  // Rows with from <= ts <= to, oldest first, at most `limit`.
  virtual Result<std::vector<LoadRow>, std::string> load_history(std::int64_t from, std::int64_t to,
                                                                 std::size_t limit) = 0;
  virtual Result<std::vector<EventRow>, std::string> events(std::int64_t from, std::int64_t to,
                                                            std::size_t limit) = 0;
  // Every unresolved alert and the last `resolved_limit` resolved ones, by id.
  virtual Result<std::vector<AlertRow>, std::string> alerts(std::size_t resolved_limit) = 0;
  virtual Result<std::vector<NodeRow>, std::string> nodes() = 0;
  virtual Result<std::vector<ConnectionRow>, std::string> connections() = 0;
  // The routes of the latest snapshot, by destination and next hop.
  virtual Result<std::vector<RouteRow>, std::string> routes() = 0;

  // Failed calls since open.
  std::uint64_t errors() const { return errors_; }

 protected:
  std::uint64_t errors_ = 0;
};

// The schema version this build writes (PRAGMA user_version of store.db).
int sqlite_schema_version();

// Opens (creating if needed) a SQLite store at `file` and migrates it to the
// current schema. Refuses a file whose schema is newer than this build knows.
Result<std::unique_ptr<Store>, std::string> open_sqlite_store(const std::filesystem::path& file);

// `store` in the config: "sqlite" (data_dir/store.db), "sqlite:PATH", or
// "postgresql://..." / "postgres://..." (a libpq connection URL).
Result<std::unique_ptr<Store>, std::string> open_store(std::string_view spec,
                                                       const std::filesystem::path& data_dir);

// History export helpers, separate for tests.
// A time as Unix seconds ("1700000000", "1700000000.5") or RFC 3339
// ("2024-05-01T12:00:00Z", "...+02:00", fractions allowed); in Unix ms.
std::optional<std::int64_t> parse_time(std::string_view text);
std::string rfc3339_ms(std::int64_t unix_ms);
// CSV with a header line; RFC 4180 quoting where needed.
std::string load_csv(const std::vector<LoadRow>& rows);
std::string events_csv(const std::vector<EventRow>& rows);

}  // namespace hyphae::daemon
