#include "cli/verbs.hpp"

#include <fmt/format.h>
#include <sys/stat.h>
#include <toml++/toml.h>
#include <unistd.h>

#include <cctype>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>
#include <thread>

#include "cli/api_client.hpp"
#include "daemon/config.hpp"

namespace hyphae::cli {
using nlohmann::json;

namespace {

// Calls the API; on success returns the parsed JSON body, otherwise prints
// the daemon's error and returns nullopt.
std::optional<json> call(const ApiOptions& api, const std::string& method, const std::string& target,
                         const std::string& body = {}) {
  auto reply = api_request(api.address, method, target, body, api.token);
  if (!reply) {
    fmt::print(stderr, "hyphae: {}\n", reply.error());
    return std::nullopt;
  }
  auto parsed = json::parse(reply->body, nullptr, false);
  if (reply->status >= 300) {
    std::string message = reply->body;
    if (!parsed.is_discarded() && parsed.contains("error")) {
      message = parsed["error"].value("message", message);
    }
    fmt::print(stderr, "hyphae: the node answered {}: {}\n", reply->status, message);
    return std::nullopt;
  }
  if (parsed.is_discarded()) {
    fmt::print(stderr, "hyphae: the node's reply is not JSON\n");
    return std::nullopt;
  }
  return parsed;
}

// A query value with everything but unreserved characters %-escaped.
std::string url_encode(std::string_view s) {
  std::string out;
  for (unsigned char c : s) {
    if (std::isalnum(c) != 0 || c == '-' || c == '_' || c == '.' || c == '~') {
      out += static_cast<char>(c);
    } else {
      out += fmt::format("%{:02X}", c);
    }
  }
  return out;
}

std::string text_of(const json& v) { return v.is_string() ? v.get<std::string>() : v.dump(); }

std::string ms_text(const json& v) { return v.is_number() ? fmt::format("{:.2f} ms", v.get<double>()) : "-"; }

std::string health_text(const json& v) {
  return v.is_number() ? fmt::format("{:.2f}", v.get<double>()) : "-";
}

}  // namespace

int peers(const ApiOptions& api, bool as_json) {
  auto r = call(api, "GET", "/api/mesh/peers");
  if (!r) return 1;
  if (as_json) {
    fmt::print("{}\n", r->dump(2));
    return 0;
  }
  if (r->empty()) {
    fmt::print("no peers\n");
    return 0;
  }
  fmt::print("{:<40}  {:<22}  {:<10}  {:>6}  {:>10}\n", "NODE", "ADDRESS", "STATE", "HEALTH", "RTT");
  for (const auto& p : *r) {
    const std::string id =
        text_of(p.value("node_id", json(""))).empty() ? "(unknown)" : text_of(p["node_id"]);
    fmt::print("{:<40}  {:<22}  {:<10}  {:>6}  {:>10}\n", id, text_of(p["address"]), text_of(p["state"]),
               health_text(p.value("health", json())), ms_text(p.value("rtt_ms", json())));
  }
  return 0;
}

int routes(const ApiOptions& api, bool as_json) {
  auto r = call(api, "GET", "/api/mesh/routes");
  if (!r) return 1;
  if (as_json) {
    fmt::print("{}\n", r->dump(2));
    return 0;
  }
  if (r->empty()) {
    fmt::print("no routes\n");
    return 0;
  }
  fmt::print("{:<44}  {:<40}  {:>6}  {:>6}  {:<8}  {}\n", "DESTINATION", "NEXT HOP", "METRIC", "SEQNO",
             "FEASIBLE", "SELECTED");
  for (const auto& e : *r) {
    fmt::print("{:<44}  {:<40}  {:>6}  {:>6}  {:<8}  {}\n", text_of(e["destination"]), text_of(e["next_hop"]),
               text_of(e["metric"]), text_of(e["seqno"]), e["feasible"].get<bool>() ? "yes" : "no",
               e["selected"].get<bool>() ? "*" : "");
  }
  return 0;
}

int nodes(const ApiOptions& api, bool as_json) {
  auto r = call(api, "GET", "/api/mesh/nodes/discover");
  if (!r) return 1;
  if (as_json) {
    fmt::print("{}\n", r->dump(2));
    return 0;
  }
  const json& self = (*r)["self"];
  fmt::print("this node {} at {}, incarnation {}\n", text_of(self["node_id"]), text_of(self["address"]),
             text_of(self["incarnation"]));
  const json& list = (*r)["nodes"];
  if (list.empty()) {
    fmt::print("no other members known\n");
    return 0;
  }
  fmt::print("{:<40}  {:<22}  {:<8}  {:>5}  {:>6}  {:>10}  {:>10}\n", "NODE", "ADDRESS", "STATE", "INC",
             "HEALTH", "RTT", "LAST ACK");
  for (const auto& n : list) {
    const json last = n.value("last_seen", json());
    fmt::print("{:<40}  {:<22}  {:<8}  {:>5}  {:>6}  {:>10}  {:>10}\n", text_of(n["node_id"]),
               text_of(n["address"]), text_of(n["state"]), text_of(n["incarnation"]),
               health_text(n.value("health", json())), ms_text(n.value("rtt_ms", json())),
               last.is_number() ? fmt::format("{:.1f}s ago", last.get<double>() / 1000) : std::string("-"));
  }
  return 0;
}

int join(const ApiOptions& api, const std::string& address, bool as_json) {
  json body{{"address", address}};
  auto r = call(api, "POST", "/api/mesh/nodes/register", body.dump());
  if (!r) return 1;
  if (as_json) {
    fmt::print("{}\n", r->dump());
  } else {
    fmt::print("joining the mesh through {}; `hyphae nodes` shows the members as they are learnt\n",
               text_of((*r)["address"]));
  }
  return 0;
}

int send(const ApiOptions& api, const SendOptions& opts, bool as_json) {
  json body{{"to", opts.to}, {"type", opts.type}, {"priority", opts.priority}, {"payload", opts.text}};
  if (!opts.ttl.empty()) body["ttl"] = opts.ttl;
  if (!opts.reply_to.empty()) body["reply_to"] = opts.reply_to;
  auto r = call(api, "POST", "/api/mesh/messages", body.dump());
  if (!r) return 1;
  if (as_json) {
    fmt::print("{}\n", r->dump());
  } else {
    fmt::print("{}\n", text_of((*r)["id"]));
  }
  return 0;
}

int inbox(const ApiOptions& api, std::uint64_t after, bool as_json, bool follow) {
  bool printed_any = false;
  for (;;) {
    auto r = call(api, "GET", fmt::format("/api/mesh/messages?after={}", after));
    if (!r) return 1;
    if (as_json && !follow) {
      fmt::print("{}\n", r->dump(2));
      return 0;
    }
    for (const auto& m : *r) {
      if (as_json) {
        fmt::print("{}\n", m.dump());  // one JSON object per line
      } else {
        const std::string reply = m.contains("reply_to") && m["reply_to"].is_string()
                                      ? fmt::format(" re {}", text_of(m["reply_to"]))
                                      : std::string();
        fmt::print("#{} {} from {} [{} {}{}{}]: {}\n", text_of(m["seq"]), text_of(m["received_at"]),
                   text_of(m["from"]), text_of(m["type"]), text_of(m["priority"]),
                   m.value("broadcast", false) ? " broadcast" : "", reply, text_of(m["payload"]));
      }
      after = std::max(after, m.value("seq", after));
      printed_any = true;
    }
    if (!follow) {
      if (!printed_any && !as_json) fmt::print("inbox is empty\n");
      return 0;
    }
    std::fflush(stdout);
    if (r->empty()) std::this_thread::sleep_for(std::chrono::milliseconds(250));
  }
}

int query(const ApiOptions& api, const QueryOptions& opts, bool as_json) {
  json body{{"to", opts.to},        {"type", "QUERY"}, {"priority", opts.priority},
            {"payload", opts.text}, {"wait", true},    {"timeout", opts.timeout}};
  auto r = call(api, "POST", "/api/mesh/messages", body.dump());
  if (!r) return 1;
  if (as_json) {
    fmt::print("{}\n", r->dump(2));
  } else {
    fmt::print("{}\n", text_of((*r)["response"]["payload"]));
  }
  return 0;
}

int broadcast(const ApiOptions& api, const SendOptions& opts, bool as_json) {
  json body{{"type", opts.type}, {"priority", opts.priority}, {"payload", opts.text}};
  auto r = call(api, "POST", "/api/mesh/broadcast", body.dump());
  if (!r) return 1;
  if (as_json) {
    fmt::print("{}\n", r->dump());
  } else {
    fmt::print("{}\n", text_of((*r)["id"]));
  }
  return 0;
}

int alerts(const ApiOptions& api, const std::string& state, bool as_json) {
  auto r =
      call(api, "GET", "/api/mesh/alerts" + (state.empty() ? std::string() : "?state=" + url_encode(state)));
  if (!r) return 1;
  if (as_json) {
    fmt::print("{}\n", r->dump(2));
    return 0;
  }
  const json& list = (*r)["alerts"];
  if (list.empty()) {
    fmt::print("{}\n", state.empty() ? std::string("no alerts") : fmt::format("no {} alerts", state));
    return 0;
  }
  fmt::print("{:>5}  {:<8}  {:<8}  {:<11}  {:<24}  {:<10}  {}\n", "ID", "SEVERITY", "STATE", "KIND",
             "CREATED", "SUBJECT", "MESSAGE");
  for (const auto& a : list) {
    std::string subject = text_of(a["subject"]);
    if (subject.size() == 40) subject = subject.substr(0, 8) + "..";  // a node id
    fmt::print("{:>5}  {:<8}  {:<8}  {:<11}  {:<24}  {:<10}  {}\n", text_of(a["id"]), text_of(a["severity"]),
               text_of(a["state"]), text_of(a["kind"]), text_of(a["created"]), subject,
               text_of(a["message"]));
  }
  return 0;
}

int alert_action(const ApiOptions& api, const std::string& action, std::uint64_t id, bool as_json) {
  auto r = call(api, "POST", fmt::format("/api/mesh/alerts/{}/{}", id, action));
  if (!r) return 1;
  if (as_json) {
    fmt::print("{}\n", r->dump());
  } else {
    fmt::print("alert {} {}: {}\n", id, text_of((*r)["state"]), text_of((*r)["message"]));
  }
  return 0;
}

int history(const ApiOptions& api, const HistoryOptions& opts) {
  std::string target =
      fmt::format("/api/mesh/history?format={}&data={}", url_encode(opts.format), url_encode(opts.data));
  if (!opts.from.empty()) target += "&from=" + url_encode(opts.from);
  if (!opts.to.empty()) target += "&to=" + url_encode(opts.to);
  auto reply = api_request(api.address, "GET", target, {}, api.token);
  if (!reply) {
    fmt::print(stderr, "hyphae: {}\n", reply.error());
    return 1;
  }
  if (reply->status >= 300) {
    auto parsed = json::parse(reply->body, nullptr, false);
    std::string message = reply->body;
    if (!parsed.is_discarded() && parsed.contains("error"))
      message = parsed["error"].value("message", message);
    fmt::print(stderr, "hyphae: the node answered {}: {}\n", reply->status, message);
    return 1;
  }
  std::string body = reply->body;
  if (opts.format == "json") {
    auto parsed = json::parse(body, nullptr, false);
    if (!parsed.is_discarded()) body = parsed.dump(2) + "\n";
  }
  if (opts.output.empty() || opts.output == "-") {
    fmt::print("{}", body);
    return 0;
  }
  std::ofstream out(opts.output, std::ios::binary | std::ios::trunc);
  out << body;
  out.close();
  if (!out) {
    fmt::print(stderr, "hyphae: cannot write {}\n", opts.output);
    return 1;
  }
  return 0;
}

namespace {

// Colour only for a person at a terminal (and not with NO_COLOR set).
bool colour() { return ::isatty(STDOUT_FILENO) == 1 && std::getenv("NO_COLOR") == nullptr; }

std::string paint(std::string_view text, std::string_view code) {
  return colour() ? fmt::format("\x1b[{}m{}\x1b[0m", code, text) : std::string(text);
}

std::string uptime_text(double s) {
  const auto total = static_cast<std::int64_t>(s);
  const auto d = total / 86400, h = total % 86400 / 3600, m = total % 3600 / 60, sec = total % 60;
  if (d > 0) return fmt::format("{}d {}h {}m", d, h, m);
  if (h > 0) return fmt::format("{}h {}m {}s", h, m, sec);
  if (m > 0) return fmt::format("{}m {}s", m, sec);
  return fmt::format("{}s", sec);
}

}  // namespace

int status(const ApiOptions& api, bool as_json) {
  auto r = call(api, "GET", "/api/mesh/status");
  if (!r) return 1;
  const json& health = r->value("health", json::object());
  const bool healthy = health.value("status", "ok") == "ok";
  if (as_json) {
    fmt::print("{}\n", r->dump(2));
    return 0;
  }
  std::vector<std::pair<std::string, std::string>> rows;
  rows.emplace_back("node", text_of(r->value("node_id", json(""))));
  rows.emplace_back("version", text_of(r->value("version", json(""))));
  rows.emplace_back("uptime", fmt::format("{} (since {})", uptime_text(r->value("uptime_s", 0.0)),
                                          text_of(r->value("started_at", json("-")))));
  rows.emplace_back("listen", fmt::format("{} udp (advertised as {})", text_of(r->value("listen", json(""))),
                                          text_of(r->value("advertise", json("")))));
  rows.emplace_back("api", text_of(r->value("api", json(""))));
  const json& disc = r->value("discovery", json());
  rows.emplace_back("discovery",
                    disc.is_number() ? fmt::format("LAN beacons on udp/{}", text_of(disc)) : "off");
  std::string health_line = paint("ok", "32");
  if (!healthy) {
    std::string reasons;
    for (const auto& reason : health.value("reasons", json::array())) {
      reasons += (reasons.empty() ? "" : "; ") + text_of(reason);
    }
    health_line = paint("unhealthy", "1;31") + ": " + reasons;
  }
  rows.emplace_back("health", health_line);
  const json& peers = r->value("peers", json::object());
  rows.emplace_back("peers",
                    fmt::format("{} connected, {} connecting", text_of(peers.value("connected", json(0))),
                                text_of(peers.value("connecting", json(0)))));
  const json& members = r->value("members", json());
  if (members.is_object()) {
    std::string line;
    for (const auto* state : {"alive", "suspect", "dead", "left"}) {
      const auto n = members.value(state, 0);
      std::string part = fmt::format("{} {}", n, state);
      if (n > 0 && std::string_view(state) == "suspect") part = paint(part, "33");
      if (n > 0 && std::string_view(state) == "dead") part = paint(part, "31");
      line += (line.empty() ? "" : ", ") + part;
    }
    rows.emplace_back("members", line);
  } else {
    rows.emplace_back("members", "membership off");
  }
  const json& alerts = r->value("alerts", json());
  if (alerts.is_object()) {
    const auto total = alerts.value("unresolved", 0);
    std::string line = fmt::format("{} unresolved", total);
    if (total > 0) {
      std::string parts;
      for (const auto& [sev, n] : alerts.value("by_severity", json::object()).items()) {
        if (n.get<int>() > 0) parts += (parts.empty() ? "" : ", ") + fmt::format("{} {}", sev, text_of(n));
      }
      line = paint(line, "31") + " (" + parts + "); `hyphae alerts` lists them";
    }
    rows.emplace_back("alerts", line);
  }
  const json& subs = r->value("event_subscribers", json());
  if (subs.is_number()) rows.emplace_back("events", fmt::format("{} WebSocket subscribers", text_of(subs)));
  std::size_t width = 0;
  for (const auto& [k, v] : rows) width = std::max(width, k.size());
  for (const auto& [k, v] : rows) fmt::print("{:<{}}  {}\n", k, width, v);
  return 0;
}

int write_config(const std::string& config_file, const std::string& output, bool as_json) {
  auto config =
      config_file.empty() ? daemon::parse_config("", "hyphae.toml") : daemon::load_config(config_file);
  if (!config) {
    fmt::print(stderr, "{}\n", config.error());
    return 2;
  }
  std::string text = daemon::to_toml(*config);
  if (as_json) {
    std::stringstream s;
    s << toml::json_formatter{toml::parse(text)} << "\n";
    text = s.str();
  }
  if (output.empty() || output == "-") {
    fmt::print("{}", text);
    return 0;
  }
  // Written beside and renamed: a reader never sees half a file; 0600 as it
  // may hold api_token and network_psk.
  const std::string tmp = output + ".tmp";
  {
    std::ofstream out(tmp, std::ios::binary | std::ios::trunc);
    ::chmod(tmp.c_str(), 0600);
    out << text;
    out.close();
    if (!out) {
      fmt::print(stderr, "hyphae: cannot write {}\n", tmp);
      return 1;
    }
  }
  std::error_code ec;
  std::filesystem::rename(tmp, output, ec);
  if (ec) {
    fmt::print(stderr, "hyphae: cannot write {}: {}\n", output, ec.message());
    return 1;
  }
  return 0;
}

int show(const ApiOptions& api, const std::string& what, bool as_json) {
  auto r = call(api, "GET", "/api/mesh/" + what);
  if (!r) return 1;
  if (as_json) {
    fmt::print("{}\n", r->dump(2));
    return 0;
  }
  for (const auto& [key, value] : r->items()) {
    if (value.is_object()) {
      for (const auto& [k2, v2] : value.items()) fmt::print("{}.{}: {}\n", key, k2, text_of(v2));
    } else {
      fmt::print("{}: {}\n", key, text_of(value));
    }
  }
  return 0;
}

}  // namespace hyphae::cli
