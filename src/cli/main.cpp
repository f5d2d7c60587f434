// `hyphae`: the daemon and its command line in one binary.
#include <spdlog/sinks/stdout_color_sinks.h>
#include <spdlog/spdlog.h>

#include <CLI/CLI.hpp>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <nlohmann/json.hpp>

#include "cli/api_client.hpp"
#include "cli/detach.hpp"
#include "cli/health_check.hpp"
#include "cli/logs.hpp"
#include "cli/verbs.hpp"
#include "crypto/key_source.hpp"
#include "daemon/config.hpp"
#include "daemon/daemon.hpp"
#include "daemon/log_file.hpp"
#include "runtime/key_file.hpp"

using namespace hyphae;
using nlohmann::json;

namespace {
int run(int argc, char** argv) {
  CLI::App app{
      "hyphae: a self-organising, encrypted peer-to-peer mesh network.\n"
      "Run `hyphae daemon --config FILE` to start a node; the other verbs talk to a running\n"
      "node's admin API (default 127.0.0.1:9901)."};
  app.require_subcommand(1);
  app.fallthrough();  // global options (--verbose) also after the verb
  bool verbose = false;
  app.add_flag("-v,--verbose", verbose, "Log more (debug level; API calls on stderr)");

  cli::ApiOptions api;
  auto add_api = [&](CLI::App* sub) {
    sub->add_option("--api", api.address, "Admin API address of the node")->capture_default_str();
    sub->add_option("--token", api.token, "Bearer token for the API")->envname("HYPHAE_API_TOKEN");
  };

  // keygen
  std::string key_out;
  bool key_force = false;
  auto* keygen = app.add_subcommand("keygen", "Create a node identity key and print its node id");
  keygen->add_option("--out", key_out, "Key file to write (mode 0600)")->required();
  keygen->add_flag("--force", key_force, "Overwrite an existing key file");

  // daemon (alias start)
  std::string config_path;
  bool detach = false, start_json = false;
  auto* daemon_cmd = app.add_subcommand("daemon", "Run a mesh node until SIGINT/SIGTERM (alias: start)");
  daemon_cmd->alias("start");
  daemon_cmd->add_option("-c,--config", config_path, "TOML config file")->required();
  daemon_cmd->add_flag("-d,--detach", detach,
                       "Run in the background (pid file data_dir/hyphae.pid, output data_dir/daemon.out);\n"
                       "returns once the API answers");
  daemon_cmd->add_flag("--json", start_json, "With --detach: print {pid, node_id, api, pid_file, log_file}");

  // logs
  cli::LogsOptions logs_opts;
  auto* logs = app.add_subcommand("logs", "Show the daemon's log file (data_dir/hyphae.log)");
  add_api(logs);
  logs->add_flag("-f,--follow", logs_opts.follow, "Keep printing new lines (across rotations) until ^C");
  logs->add_option("--level", logs_opts.level, "Only this level and above: trace, debug, info, warn, error");
  logs->add_option("-n,--lines", logs_opts.lines, "Show the last N lines first (0: none)")
      ->capture_default_str();
  logs->add_option("-c,--config", logs_opts.config,
                   "Find the log through this config's data_dir (works with the daemon stopped)");
  logs->add_option("--file", logs_opts.file, "Read this log file");
  logs->add_flag("--json", logs_opts.json, "Print the JSON lines as stored: {ts, level, msg}");

  // config
  std::string show_config_path, config_output;
  bool config_json = false;
  auto* config_cmd = app.add_subcommand(
      "config",
      "Print or write the effective config as TOML, every default included (the daemon accepts it)");
  config_cmd->add_option("-c,--config", show_config_path,
                         "Config file to start from (default: none, all defaults)");
  config_cmd->add_option("-o,--output", config_output, "Write to this file (mode 0600: it may hold secrets)");
  config_cmd->add_flag("--json", config_json, "Print the config as JSON instead of TOML");

  // peers
  bool peers_json = false;
  auto* peers = app.add_subcommand("peers", "List neighbours (nodes with a session) with state and health");
  add_api(peers);
  peers->add_flag(
      "--json", peers_json,
      "Print JSON: [{node_id, address, state, session, health, rtt_ms}]; state is the membership\n"
      "state (alive, suspect, dead, left) when known, else the session's (connected, connecting)");

  // routes
  bool routes_json = false;
  auto* routes =
      app.add_subcommand("routes", "List the routing table (Babel): every route, the selected one marked");
  add_api(routes);
  routes->add_flag("--json", routes_json,
                   "Print JSON: [{destination, next_hop, metric, seqno, router_id, feasible, selected}]");

  // nodes
  bool nodes_json = false;
  auto* nodes = app.add_subcommand("nodes", "List every mesh member this node knows (membership view)");
  add_api(nodes);
  nodes->add_flag("--json", nodes_json,
                  "Print JSON: {self, nodes: [{node_id, state, incarnation, address, health, health_detail,\n"
                  "last_seen, rtt_ms, resources}]}");

  // join
  std::string join_address;
  bool join_json = false;
  auto* join = app.add_subcommand("join", "Join the mesh through another node's mesh address");
  add_api(join);
  join->add_option("address", join_address, "The other node's mesh address, ip:port (e.g. 10.0.0.2:9900)")
      ->required();
  join->add_flag("--json", join_json, "Print the API's JSON reply");

  // send
  cli::SendOptions send_opts;
  auto* send = app.add_subcommand("send", "Send a message to a node");
  add_api(send);
  send->add_option("--to", send_opts.to, "Destination node id (40 hex characters)")->required();
  send->add_option("--type", send_opts.type, "TASK, QUERY, RESPONSE, NOTIFICATION or PARAMETER_UPDATE")
      ->capture_default_str();
  send->add_option("--priority", send_opts.priority, "CRITICAL, HIGH, MEDIUM or LOW")->capture_default_str();
  send->add_option("text", send_opts.text, "Message payload")->required();
  send->add_option("--ttl", send_opts.ttl,
                   "Give up (report it failed) if not delivered within this long (e.g. 30s)");
  send->add_option("--reply-to", send_opts.reply_to,
                   "Answer this QUERY (its 16-hex-digit id); use --type RESPONSE");
  bool send_json = false;
  send->add_flag("--json", send_json, "Print the API's JSON reply");

  // query
  cli::QueryOptions query_opts;
  auto* query = app.add_subcommand(
      "query", "Send a QUERY and wait for its RESPONSE (exit 0 with the answer, 1 on timeout)");
  add_api(query);
  query->add_option("to", query_opts.to, "Destination node id (40 hex characters)")->required();
  query->add_option("text", query_opts.text, "Query payload")->required();
  query->add_option("--timeout", query_opts.timeout, "How long to wait for the RESPONSE (e.g. 5s, 500ms)")
      ->capture_default_str();
  query->add_option("--priority", query_opts.priority, "CRITICAL, HIGH, MEDIUM or LOW")
      ->capture_default_str();
  bool query_json = false;
  query->add_flag("--json", query_json,
                  "Print JSON: {id, response: {id, from, type, priority, payload, reply_to}}");

  // broadcast
  cli::SendOptions broadcast_opts;
  auto* broadcast =
      app.add_subcommand("broadcast", "Flood a message to every node of the mesh (at most 1024 bytes)");
  add_api(broadcast);
  broadcast->add_option("text", broadcast_opts.text, "Message payload")->required();
  broadcast
      ->add_option("--type", broadcast_opts.type, "TASK, QUERY, RESPONSE, NOTIFICATION or PARAMETER_UPDATE")
      ->capture_default_str();
  broadcast->add_option("--priority", broadcast_opts.priority, "CRITICAL, HIGH, MEDIUM or LOW")
      ->capture_default_str();
  bool broadcast_json = false;
  broadcast->add_flag("--json", broadcast_json, "Print the API's JSON reply");

  // inbox
  bool inbox_json = false;
  std::uint64_t inbox_after = 0;
  auto* inbox = app.add_subcommand("inbox", "List messages this node received");
  add_api(inbox);
  inbox->add_flag("--json", inbox_json, "Print JSON: [{id, from, type, priority, payload, received_at}]");
  inbox->add_option("--after", inbox_after, "Only messages after this seq number");
  bool inbox_follow = false;
  inbox->add_flag("--follow,-f", inbox_follow, "Keep printing new messages as they arrive (Ctrl-C stops)");

  // status / stats
  bool status_json = false, stats_json = false;
  auto* status = app.add_subcommand(
      "status", "Show the node's id, version, uptime, addresses, health and peer, member and alert counts");
  add_api(status);
  status->add_flag(
      "--json", status_json,
      "Print JSON: {node_id, version, uptime_s, started_at, listen, advertise, api, discovery,\n"
      "health: {status, reasons}, peers: {connected, connecting}, members: {alive, suspect, dead,\n"
      "left}, alerts: {unresolved, by_severity}, event_subscribers}");
  auto* stats = app.add_subcommand(
      "stats",
      "Show packet, drop and message counters, and messaging statistics (success rate, latency by priority)");
  add_api(stats);
  stats->add_flag("--json", stats_json, "Print JSON");

  // alerts [ack ID | resolve ID]
  bool alerts_json = false;
  std::string alerts_state;
  std::uint64_t alert_id = 0;
  auto* alerts = app.add_subcommand(
      "alerts", "List alerts (latency, health, resources, failed nodes, partitions); ack or resolve one");
  alerts->require_subcommand(0, 1);
  add_api(alerts);
  alerts->add_flag(
      "--json", alerts_json,
      "Print JSON: {alerts: [{id, kind, subject, severity, state, created, acked, resolved, message,\n"
      "value, threshold, members, resolution}], unresolved: {LOW, MEDIUM, HIGH, CRITICAL}}");
  alerts->add_option("--state", alerts_state, "Only alerts in this state")
      ->check(CLI::IsMember({"open", "acked", "resolved"}));
  auto* alerts_ack =
      alerts->add_subcommand("ack", "Acknowledge an alert: someone is on it (it stays until resolved)");
  auto* alerts_resolve = alerts->add_subcommand(
      "resolve", "Resolve an alert by hand (it is raised again if the condition persists)");
  for (auto* sub : {alerts_ack, alerts_resolve}) {
    add_api(sub);
    sub->add_option("id", alert_id, "Alert id, as listed by `hyphae alerts`")
        ->required()
        ->check(CLI::PositiveNumber);
    sub->add_flag("--json", alerts_json, "Print the alert as JSON");
  }
  // history
  cli::HistoryOptions history_opts;
  bool history_json = false;
  auto* history = app.add_subcommand("history", "Export load history (or events) from the node's store");
  add_api(history);
  history->add_option("--format", history_opts.format, "csv or json (json has load and events)")
      ->check(CLI::IsMember({"csv", "json"}))
      ->capture_default_str();
  history->add_flag("--json", history_json, "Same as --format json");
  history->add_option("-o,--output", history_opts.output, "Write to this file instead of stdout");
  history->add_option("--from", history_opts.from,
                      "Start: Unix seconds or RFC 3339 (2024-05-01T12:00:00Z); default: an hour before --to");
  history->add_option("--to", history_opts.to, "End: Unix seconds or RFC 3339; default: now");
  history->add_option("--data", history_opts.data, "With csv: load (samples) or events")
      ->check(CLI::IsMember({"load", "events"}))
      ->capture_default_str();
  // health
  cli::HealthOptions health_opts;
  auto* health = app.add_subcommand(
      "health",
      "Run one health check; exit 0 healthy, 1 unhealthy, 2 the check could not run (usage, config)");
  add_api(health);
  health->add_option("--tcp", health_opts.tcp, "HOST:PORT: healthy when a TCP connection opens");
  health->add_option("--http", health_opts.http, "http://HOST[:PORT]/PATH: healthy on HTTP 2xx or 3xx");
  health->add_option("--node", health_opts.node,
                     "NODE_ID: healthy when the local daemon (--api) sees that member alive; this\n"
                     "node's own id checks the daemon's /healthz");
  health->add_option("--timeout", health_opts.timeout, "Give up after this long (5s, 500ms)")
      ->capture_default_str();
  health->add_flag("--json", health_opts.json, "Print JSON: {check, target, status, exit_code, detail}");
  // sim
  cli::SimCliOptions sim_opts;
  auto* sim = app.add_subcommand("sim", "Run a deterministic simulation scenario");
  cli::add_sim_options(sim, sim_opts);

  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    // --help prints and succeeds; any usage error is exit status 2.
    return app.exit(e) == 0 ? 0 : 2;
  }
  // Logs go to stderr: stdout carries results that scripts read.
  spdlog::set_default_logger(spdlog::stderr_color_mt("hyphae"));
  spdlog::set_level(verbose ? spdlog::level::debug : spdlog::level::warn);

  if (keygen->parsed()) {
    if (std::filesystem::exists(key_out) && !key_force) {
      fmt::print(stderr, "hyphae: {} exists; use --force to overwrite it\n", key_out);
      return 2;
    }
    crypto::SodiumKeySource keys;
    const auto identity = crypto::Identity::generate(keys);
    if (auto r = runtime::write_key_file(key_out, identity.seed()); !r) {
      fmt::print(stderr, "hyphae: {}\n", r.error());
      return 1;
    }
    fmt::print("{}\n", identity.id.to_string());
    return 0;
  }
  if (daemon_cmd->parsed()) {
    auto config = daemon::load_config(config_path);
    if (!config) {
      fmt::print(stderr, "{}\n", config.error());
      return 2;
    }
    if (detach) {
      if (auto exit_status = cli::detach(*config, start_json)) return *exit_status;
    }
    const std::string level = verbose ? std::string("debug") : config->log_level;
    spdlog::set_level(spdlog::level::from_str(level));
    spdlog::set_pattern("%Y-%m-%dT%H:%M:%S.%e %^%l%$ %v");
    if (auto r = daemon::start_log_file(config->data_dir / "hyphae.log", level); !r) {
      fmt::print(stderr, "hyphae: {}\n", r.error());
      return 1;
    }
    return daemon::run_daemon(*config);
  }
  if (logs->parsed()) return cli::logs(api, logs_opts);
  if (config_cmd->parsed()) return cli::write_config(show_config_path, config_output, config_json);
  if (peers->parsed()) return cli::peers(api, peers_json);
  if (routes->parsed()) return cli::routes(api, routes_json);
  if (nodes->parsed()) return cli::nodes(api, nodes_json);
  if (join->parsed()) return cli::join(api, join_address, join_json);
  if (send->parsed()) return cli::send(api, send_opts, send_json);
  if (inbox->parsed()) return cli::inbox(api, inbox_after, inbox_json, inbox_follow);
  if (query->parsed()) return cli::query(api, query_opts, query_json);
  if (broadcast->parsed()) return cli::broadcast(api, broadcast_opts, broadcast_json);
  if (status->parsed()) return cli::status(api, status_json);
  if (health->parsed()) return cli::health(api, health_opts);
  if (stats->parsed()) return cli::show(api, "stats", stats_json);
  if (alerts_ack->parsed()) return cli::alert_action(api, "ack", alert_id, alerts_json);
  if (alerts_resolve->parsed()) return cli::alert_action(api, "resolve", alert_id, alerts_json);
  if (alerts->parsed()) return cli::alerts(api, alerts_state, alerts_json);
  if (history->parsed()) {
    if (history_json) history_opts.format = "json";
    return cli::history(api, history_opts);
  }
  if (sim->parsed()) return cli::run_sim(sim_opts);
  return 2;
}
}  // namespace

// The process edge: an exception that escapes is a bug or a broken
// environment (e.g. out of memory); say so instead of calling terminate().
int main(int argc, char** argv) {
  try {
    return run(argc, argv);
  } catch (const std::exception& e) {
    (void)std::fprintf(stderr, "%s: fatal: %s\n", "hyphae", e.what());
    return 1;
  }
}
