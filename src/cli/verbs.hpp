// The CLI verbs that talk to a running daemon. Each returns the exit status:
// 0 success, 1 the daemon said no or could not be reached, 2 bad usage.
#pragma once

#include <CLI/CLI.hpp>
#include <cstdint>
#include <string>

namespace hyphae::cli {

struct ApiOptions {
  std::string address = "127.0.0.1:9901";
  std::string token;
};

struct SendOptions {
  std::string to;
  std::string type = "NOTIFICATION";
  std::string priority = "MEDIUM";
  std::string text;
  std::string ttl;       // empty: the daemon's default (30s)
  std::string reply_to;  // a RESPONSE names the QUERY it answers
};

struct QueryOptions {
  std::string to;
  std::string text;
  std::string priority = "HIGH";
  std::string timeout = "5s";
};

int peers(const ApiOptions& api, bool as_json);
int routes(const ApiOptions& api, bool as_json);
// Members this node's membership knows (GET nodes/discover).
int nodes(const ApiOptions& api, bool as_json);
// Joins the mesh through a node's mesh address (POST nodes/register).
int join(const ApiOptions& api, const std::string& address, bool as_json);
int send(const ApiOptions& api, const SendOptions& opts, bool as_json);
// Lists the inbox; with `follow`, keeps printing new messages until interrupted.
int inbox(const ApiOptions& api, std::uint64_t after, bool as_json, bool follow);
// Sends a QUERY and waits for its RESPONSE: prints the response's payload
// (exit 0), or says it timed out or was undeliverable (exit 1).
int query(const ApiOptions& api, const QueryOptions& opts, bool as_json);
// Floods a message to every node of the mesh (POST broadcast).
int broadcast(const ApiOptions& api, const SendOptions& opts, bool as_json);
// Lists alerts (GET alerts[?state=S]) as a table or JSON.
int alerts(const ApiOptions& api, const std::string& state, bool as_json);
// POST alerts/{id}/ack or alerts/{id}/resolve; `action` is "ack" or "resolve".
int alert_action(const ApiOptions& api, const std::string& action, std::uint64_t id, bool as_json);

struct HistoryOptions {
  std::string format = "csv";  // csv or json
  std::string output;          // empty: stdout
  std::string from, to;        // Unix seconds or RFC 3339; empty: the API's default (last hour)
  std::string data = "load";   // csv: load or events
};
// GET history: load samples (and events) as CSV or JSON, to stdout or a file.
int history(const ApiOptions& api, const HistoryOptions& opts);

// Prints GET /api/mesh/<what> as JSON or as aligned "key: value" lines.
int show(const ApiOptions& api, const std::string& what, bool as_json);
// `hyphae config`: the effective config (file + defaults) as TOML or JSON,
// to stdout or atomically to `output` (mode 0600). 2 on a config error.
int write_config(const std::string& config_file, const std::string& output, bool as_json);

// GET status as an aligned table (colour only on a terminal) or JSON; exit
// status 1 only when the node cannot be asked (`hyphae health` judges health).
int status(const ApiOptions& api, bool as_json);

struct SimCliOptions {
  std::string scenario = "seven-city";
  std::size_t nodes = 0;  // 0: the scenario's default
  std::uint64_t seed = 1;
  double duration_s = 0;  // 0: the scenario's default
  bool json = false;
  bool check_every_event = false;
  bool plain_swim = false;
  bool quiet = false;  // no progress lines on stderr
};
void add_sim_options(CLI::App* sim, SimCliOptions& opts);
int run_sim(const SimCliOptions& opts);

}  // namespace hyphae::cli
