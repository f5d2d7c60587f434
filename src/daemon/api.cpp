#include "daemon/api.hpp"

#include <fmt/format.h>
#include <sodium.h>

#include <boost/beast/http/status.hpp>
#include <charconv>
#include <chrono>
#include <map>
#include <nlohmann/json.hpp>

#include "base/hex.hpp"
#include "daemon/alerts_service.hpp"
#include "daemon/babel_runner.hpp"
#include "daemon/config.hpp"
#include "daemon/event_hub.hpp"
#include "daemon/health.hpp"
#include "daemon/lan_discovery_runner.hpp"
#include "daemon/message_service.hpp"
#include "daemon/metrics.hpp"
#include "daemon/store.hpp"
#include "discovery/bootstrap_rank.hpp"
#include "runtime/clock.hpp"
#include "wire/message_kind.hpp"

namespace hyphae::daemon {
namespace http = boost::beast::http;
using nlohmann::json;

namespace {

constexpr std::string_view kPrefix = "/api/mesh/";
constexpr std::size_t kInboxPageMax = 1000;
// Rows one history reply holds at most (about 10 MB of JSON); a longer range
// is cut and says so ("truncated": true).
constexpr std::size_t kHistoryMax = 100'000;

std::int64_t unix_ms_now() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

// %XX escapes of a query value (RFC 3339 offsets arrive as %2B02%3A00).
std::optional<std::string> percent_decode(std::string_view s) {
  std::string out;
  for (std::size_t i = 0; i < s.size(); ++i) {
    if (s[i] != '%') {
      out += s[i];
      continue;
    }
    unsigned v = 0;
    if (i + 2 >= s.size()) return std::nullopt;
    auto [end, ec] = std::from_chars(s.data() + i + 1, s.data() + i + 3, v, 16);
    if (ec != std::errc{} || end != s.data() + i + 3) return std::nullopt;
    out += static_cast<char>(v);
    i += 2;
  }
  return out;
}

HttpResponse reply(unsigned version, http::status status, std::string body,
                   std::string_view content_type = "application/json") {
  HttpResponse res{status, version};
  res.set(http::field::content_type, content_type);
  res.set(http::field::server, "hyphae");
  res.body() = std::move(body);
  res.prepare_payload();
  return res;
}

std::string_view path_of(std::string_view target) { return target.substr(0, target.find('?')); }

std::optional<std::string> query_param(std::string_view target, std::string_view key) {
  auto q = target.find('?');
  if (q == std::string_view::npos) return std::nullopt;
  std::string_view rest = target.substr(q + 1);
  while (!rest.empty()) {
    auto amp = rest.find('&');
    std::string_view pair = rest.substr(0, amp);
    auto eq = pair.find('=');
    if (pair.substr(0, eq) == key)
      return std::string(eq == std::string_view::npos ? "" : pair.substr(eq + 1));
    if (amp == std::string_view::npos) break;
    rest = rest.substr(amp + 1);
  }
  return std::nullopt;
}

bool token_ok(const ApiContext& ctx, const HttpRequest& req) {
  if (ctx.api_token.empty()) return true;
  auto it = req.find(http::field::authorization);
  if (it == req.end()) return false;
  const std::string expected = "Bearer " + ctx.api_token;
  const std::string_view got = it->value();
  // Constant time: the token must not leak through response timing.
  return got.size() == expected.size() && sodium_memcmp(got.data(), expected.data(), got.size()) == 0;
}

// Neighbours with a Noise session (or one being set up). "state" is the
// membership state when membership knows the node, else the session's.
json peers_json(ApiContext& ctx) {
  return ctx.runner.with_node([](node::Node& n, Instant now) {
    json out = json::array();
    const membership::Membership* m = n.membership();
    for (const auto& p : n.peers()) {
      const bool connected = p.state == "connected";
      std::optional<membership::MemberView> v;
      if (connected && m != nullptr) v = m->member(p.id, now);
      out.push_back({{"node_id", connected ? p.id.to_string() : ""},
                     {"address", p.address.to_string()},
                     {"state", v ? std::string(membership::name(v->state)) : std::string(p.state)},
                     {"session", p.state},
                     {"health", v ? json(v->health.total) : json(nullptr)},
                     {"rtt_ms", p.srtt ? json(p.srtt->ms()) : json(nullptr)}});
    }
    return out;
  });
}

// Every route entry of the Babel table (docs/routing.md): one per
// destination and neighbour that announced it; `selected` is the one in use.
json routes_json(const node::Node& n) {
  json out = json::array();
  for (const auto& r : n.routes()) {
    out.push_back({{"destination", r.destination.to_string()},
                   {"next_hop", routing::node_id_of(r.next_hop).to_string()},
                   {"metric", r.metric},
                   {"seqno", r.seqno},
                   {"router_id", r.router_id.to_string()},
                   {"feasible", r.feasible},
                   {"selected", r.selected}});
  }
  return out;
}

// Routes learnt on [[babel]] interfaces: the next hop is the neighbour's
// link-local address with its interface, and "via" says where it came from.
void append_babel_routes(json& out, const BabelRunner& babel) {
  for (const auto& r : babel.core().routes()) {
    const auto [ifindex, address] = routing::split_babel_neighbour(r.next_hop);
    out.push_back({{"destination", r.destination.to_string()},
                   {"next_hop",
                    fmt::format("{}%{}", routing::address_to_string(address), babel.interface_name(ifindex))},
                   {"metric", r.metric},
                   {"seqno", r.seqno},
                   {"router_id", r.router_id.to_string()},
                   {"feasible", r.feasible},
                   {"selected", r.selected},
                   {"via", "babel"}});
  }
}

HttpResponse membership_off(const HttpRequest& req) {
  return json_error(409, "membership_disabled",
                    "membership is off in this node's config ([membership] enabled)", req.version());
}

json member_json(const membership::MemberView& v, Instant now) {
  json resources = nullptr;
  if (v.resources) {
    resources = {{"cpu_percent", v.resources->cpu_percent},
                 {"memory_percent", v.resources->memory_percent},
                 {"connections", v.resources->connections}};
  }
  return {{"node_id", v.id.to_string()},
          {"state", membership::name(v.state)},
          {"incarnation", v.incarnation},
          {"address", v.address.to_string()},
          {"health", v.health.total},
          {"health_detail",
           {{"network", v.health.network},
            {"uptime", v.health.uptime},
            {"resources", v.health.resources},
            {"trust", v.health.trust}}},
          {"last_seen", v.last_ack ? json((now - *v.last_ack).ms()) : json(nullptr)},
          {"state_since_ms", (now - v.since).ms()},
          {"rtt_ms", v.rtt ? json(v.rtt->ms()) : json(nullptr)},
          {"resources", resources}};
}

// GET nodes/discover: every member this node knows (not itself), by id.
HttpResponse get_nodes(ApiContext& ctx, const HttpRequest& req) {
  auto body = ctx.runner.with_node([&](node::Node& n, Instant now) -> std::optional<json> {
    const membership::Membership* m = n.membership();
    if (m == nullptr) return std::nullopt;
    json nodes = json::array();
    for (const auto& v : m->members(now)) nodes.push_back(member_json(v, now));
    return json{{"self",
                 {{"node_id", ctx.node_id},
                  {"state", "alive"},
                  {"incarnation", m->incarnation()},
                  {"address", ctx.advertise},
                  {"awareness", m->awareness()}}},
                {"nodes", std::move(nodes)}};
  });
  if (!body) return membership_off(req);
  return json_response(200, *body, req.version());
}

// POST nodes/register {"address": "ip:port"}: join the mesh through that node.
HttpResponse register_node(ApiContext& ctx, const HttpRequest& req) {
  auto body = json::parse(req.body(), nullptr, /*allow_exceptions=*/false);
  if (body.is_discarded())
    return json_error(400, "bad_json", "request body is not valid JSON", req.version());
  if (!body.is_object())
    return json_error(400, "bad_request", "request body must be a JSON object", req.version());
  constexpr std::string_view kAddressHelp =
      "'address' must be \"ip:port\" of a node's mesh port, e.g. \"10.0.0.2:9900\"";
  if (!body.contains("address") || !body["address"].is_string())
    return json_error(400, "bad_field", kAddressHelp, req.version());
  auto address = Endpoint::parse(body["address"].get<std::string>());
  if (!address || address->port == 0 || is_unspecified(*address))
    return json_error(400, "bad_field", kAddressHelp, req.version());
  const bool joined = ctx.runner.with_node([&](node::Node& n, Instant now) {
    if (n.membership() == nullptr) return false;
    n.join(now, {*address});
    return true;
  });
  if (!joined) return membership_off(req);
  return json_response(202, {{"address", address->to_string()}, {"status", "joining"}}, req.version());
}

// GET nodes/bootstrap[?limit=K]: alive members ranked as bootstrap nodes
// (discovery/bootstrap_rank.hpp); with a limit, picked for diversity.
HttpResponse get_bootstrap(ApiContext& ctx, const HttpRequest& req) {
  std::optional<std::size_t> limit;
  if (auto l = query_param(req.target(), "limit")) {
    std::size_t k = 0;
    auto [end, ec] = std::from_chars(l->data(), l->data() + l->size(), k);
    if (ec != std::errc{} || end != l->data() + l->size() || k == 0) {
      return json_error(400, "bad_query", "'limit' must be a positive whole number", req.version());
    }
    limit = k;
  }
  auto candidates = ctx.runner.with_node([&](node::Node& n, Instant now) {
    std::optional<std::vector<discovery::Candidate>> out;
    const membership::Membership* m = n.membership();
    if (m == nullptr) return out;
    out.emplace();
    for (const auto& v : m->members(now)) {
      if (v.state != membership::State::alive) continue;
      out->push_back(discovery::Candidate{.id = v.id,
                                          .address = v.address,
                                          .rtt = v.rtt,
                                          .uptime = v.health.uptime,
                                          .health = v.health.total});
    }
    return out;
  });
  if (!candidates) return membership_off(req);
  const auto ranked = limit ? discovery::pick_diverse(*candidates, *limit) : discovery::rank(*candidates);
  json out = json::array();
  for (const auto& r : ranked) {
    const auto& c = r.candidate;
    out.push_back({{"node_id", c.id.to_string()},
                   {"address", c.address.to_string()},
                   {"score", r.score},
                   {"rtt_ms", c.rtt ? json(c.rtt->ms()) : json(nullptr)},
                   {"uptime", c.uptime},
                   {"health", c.health},
                   {"region", c.region}});
  }
  return json_response(200, {{"candidates", out}}, req.version());
}

HttpResponse get_recent_events(ApiContext& ctx, const HttpRequest& req) {
  std::uint64_t after = 0;
  if (auto a = query_param(req.target(), "after")) {
    auto [end, ec] = std::from_chars(a->data(), a->data() + a->size(), after);
    if (ec != std::errc{} || end != a->data() + a->size()) {
      return json_error(400, "bad_query", "'after' must be an event seq number", req.version());
    }
  }
  return json_response(200, {{"events", ctx.events.recent(after)}, {"last_seq", ctx.events.last_seq()}},
                       req.version());
}

HttpResponse get_messages(ApiContext& ctx, const HttpRequest& req) {
  std::uint64_t after = 0;
  if (auto a = query_param(req.target(), "after")) {
    auto [end, ec] = std::from_chars(a->data(), a->data() + a->size(), after);
    if (ec != std::errc{} || end != a->data() + a->size()) {
      return json_error(400, "bad_query", "'after' must be a message seq number", req.version());
    }
  }
  json out = json::array();
  for (const auto& e : ctx.inbox.after(after, kInboxPageMax)) out.push_back(to_json(e));
  return json_response(200, out, req.version());
}

json membership_stats_json(const membership::Membership* m) {
  if (m == nullptr) return nullptr;
  const auto& c = m->counters();
  json members = json::object();
  const auto by_state = m->count_by_state();
  for (auto s : {membership::State::alive, membership::State::suspect, membership::State::dead,
                 membership::State::left}) {
    members[std::string(membership::name(s))] = by_state[static_cast<std::size_t>(s) - 1];
  }
  json dropped = json::object();
  for (const auto& [reason, value] : c.dropped()) dropped[std::string(reason)] = value;
  return {{"incarnation", m->incarnation()},
          {"awareness", m->awareness()},
          {"members", members},
          {"dropped", dropped},
          {"duplicate", c.duplicate},
          {"packets_in", c.packets_in},
          {"packets_out", c.packets_out},
          {"bytes_in", c.bytes_in},
          {"bytes_out", c.bytes_out},
          {"probes", c.probes},
          {"probe_failures", c.probe_failures},
          {"indirect_probes", c.indirect_probes},
          {"refutations", c.refutations},
          {"suspicions", c.suspicions},
          {"deaths_declared", c.deaths_declared}};
}

json discovery_stats_json(const LanDiscoveryRunner* lan) {
  if (lan == nullptr) return nullptr;
  const auto& c = lan->core().counters();
  json dropped = json::object();
  for (std::size_t i = 0; i < c.dropped.size(); ++i) {
    dropped[std::string(discovery::name(static_cast<discovery::BeaconDrop>(i)))] = c.dropped[i];
  }
  return {{"port", lan->socket().port()},
          {"peers", lan->core().size()},
          {"beacons_received", c.received},
          {"beacons_sent", c.sent},
          {"send_errors", lan->socket().send_errors()},
          {"dropped", dropped}};
}

json stats_json(ApiContext& ctx) {
  return ctx.runner.with_node([&](node::Node& n, Instant) {
    const node::Counters& c = n.counters();
    json dropped = json::object();
    for (std::size_t i = 0; i < c.rx_dropped.size(); ++i) {
      dropped[std::string(wire::name(static_cast<wire::Drop>(i)))] = c.rx_dropped[i];
    }
    return json{{"rx_packets", c.rx_packets},
                {"rx_bytes", c.rx_bytes},
                {"tx_packets", c.tx_packets},
                {"tx_bytes", c.tx_bytes},
                {"rx_dropped_total", c.dropped_total()},
                {"rx_dropped", dropped},
                {"handshakes_initiated", c.handshakes_initiated},
                {"handshakes_completed", c.handshakes_completed},
                {"messages_sent", c.messages_sent},
                {"messages_received", c.messages_received},
                {"messages_duplicate", c.messages_duplicate},
                {"messages_retransmitted", c.messages_retransmitted},
                {"messages_failed", c.messages_failed},
                {"outbox", n.outbox_size()},
                {"inbox", ctx.inbox.size()},
                {"tx_errors", ctx.runner.send_errors()},
                {"membership", membership_stats_json(n.membership())},
                {"discovery", discovery_stats_json(ctx.lan)}};
  });
}

// GET history?from=&to=&format=json|csv[&data=load|events]: load samples and
// events from the store; the last hour by default.
HttpResponse get_history(ApiContext& ctx, const HttpRequest& req) {
  if (ctx.store == nullptr)
    return json_error(503, "store_unavailable", "this node keeps no store", req.version());
  std::optional<std::int64_t> from, to;
  for (const auto* key : {"from", "to"}) {
    auto raw = query_param(req.target(), key);
    if (!raw) continue;
    auto decoded = percent_decode(*raw);
    auto t = decoded ? parse_time(*decoded) : std::nullopt;
    if (!t) {
      return json_error(400, "bad_query",
                        fmt::format("'{}' must be Unix seconds (1700000000) or an RFC 3339 time "
                                    "(2024-05-01T12:00:00Z)",
                                    key),
                        req.version());
    }
    (std::string_view(key) == "from" ? from : to) = *t;
  }
  constexpr std::int64_t kHour = 3'600'000;
  if (!to) to = from ? std::max(*from, unix_ms_now()) : unix_ms_now();
  if (!from) from = *to - kHour;
  if (*from > *to) return json_error(400, "bad_query", "'from' is after 'to'", req.version());
  const std::string format = query_param(req.target(), "format").value_or("json");
  if (format != "json" && format != "csv") {
    return json_error(400, "bad_query", "'format' must be json or csv", req.version());
  }
  const std::string data = query_param(req.target(), "data").value_or("load");
  if (data != "load" && data != "events") {
    return json_error(400, "bad_query", "'data' must be load or events (csv: which table)", req.version());
  }
  auto store_failed = [&](const std::string& e) { return json_error(500, "store_error", e, req.version()); };
  std::vector<LoadRow> load;
  std::vector<EventRow> events;
  if (format == "json" || data == "load") {
    auto r = ctx.store->load_history(*from, *to, kHistoryMax + 1);
    if (!r) return store_failed(r.error());
    load = std::move(*r);
  }
  if (format == "json" || data == "events") {
    auto r = ctx.store->events(*from, *to, kHistoryMax + 1);
    if (!r) return store_failed(r.error());
    events = std::move(*r);
  }
  const bool truncated = load.size() > kHistoryMax || events.size() > kHistoryMax;
  if (load.size() > kHistoryMax) load.resize(kHistoryMax);
  if (events.size() > kHistoryMax) events.resize(kHistoryMax);
  if (format == "csv") {
    auto res = reply(req.version(), http::status::ok, data == "load" ? load_csv(load) : events_csv(events),
                     "text/csv; charset=utf-8");
    if (truncated) res.set("X-Hyphae-Truncated", "true");
    return res;
  }
  auto opt = [](const auto& v) { return v ? json(*v) : json(nullptr); };
  json load_json = json::array();
  for (const auto& r : load) {
    load_json.push_back({{"time", rfc3339_ms(r.ts)},
                         {"unix_ms", r.ts},
                         {"node_id", r.node_id},
                         {"cpu_percent", opt(r.cpu)},
                         {"memory_percent", opt(r.mem)},
                         {"connections", opt(r.connections)},
                         {"messages_per_s", opt(r.requests)}});
  }
  json events_json = json::array();
  for (const auto& e : events) {
    auto d = json::parse(e.data, nullptr, /*allow_exceptions=*/false);
    events_json.push_back({{"time", rfc3339_ms(e.ts)},
                           {"unix_ms", e.ts},
                           {"type", e.type},
                           {"node_id", e.node_id},
                           {"data", d.is_discarded() ? json(e.data) : d}});
  }
  return json_response(200,
                       {{"from", rfc3339_ms(*from)},
                        {"to", rfc3339_ms(*to)},
                        {"load", std::move(load_json)},
                        {"events", std::move(events_json)},
                        {"truncated", truncated}},
                       req.version());
}

HttpResponse alerts_off(const HttpRequest& req) {
  return json_error(503, "alerts_unavailable", "this node runs no alert engine", req.version());
}

// GET alerts[?state=open|acked|resolved]
HttpResponse get_alerts(ApiContext& ctx, const HttpRequest& req) {
  if (ctx.alerts == nullptr) return alerts_off(req);
  std::optional<AlertState> state;
  if (auto s = query_param(req.target(), "state")) {
    state = parse_alert_state(*s);
    if (!state) return json_error(400, "bad_query", "'state' must be open, acked or resolved", req.version());
  }
  json out = json::array();
  for (const auto& a : ctx.alerts->engine().list(state)) out.push_back(to_json(a));
  json open = json::object();
  const auto by_severity = ctx.alerts->engine().open_by_severity();
  for (auto s : {Severity::low, Severity::medium, Severity::high, Severity::critical}) {
    open[std::string(name(s))] = by_severity[static_cast<std::size_t>(s)];
  }
  return json_response(200, {{"alerts", std::move(out)}, {"unresolved", std::move(open)}}, req.version());
}

// alerts/{id} (GET), alerts/{id}/ack and alerts/{id}/resolve (POST).
HttpResponse alert_by_id(ApiContext& ctx, const HttpRequest& req, std::string_view rest) {
  const auto slash = rest.find('/');
  const std::string_view id_text = rest.substr(0, slash);
  const std::string_view action = slash == std::string_view::npos ? "" : rest.substr(slash + 1);
  if (!action.empty() && action != "ack" && action != "resolve") {
    return json_error(404, "not_found", "no such endpoint; use alerts/{id}/ack or alerts/{id}/resolve",
                      req.version());
  }
  const http::verb wanted = action.empty() ? http::verb::get : http::verb::post;
  if (req.method() != wanted) {
    auto res = json_error(405, "method_not_allowed", "method not allowed here", req.version());
    res.set(http::field::allow, http::to_string(wanted));
    return res;
  }
  std::uint64_t id = 0;
  auto [end, ec] = std::from_chars(id_text.data(), id_text.data() + id_text.size(), id);
  if (ec != std::errc{} || end != id_text.data() + id_text.size() || id == 0) {
    return json_error(400, "bad_id", "an alert id is a positive whole number, as in GET alerts",
                      req.version());
  }
  if (ctx.alerts == nullptr) return alerts_off(req);
  const auto unknown = [&] {
    return json_error(404, "unknown_alert", fmt::format("no alert with id {}", id), req.version());
  };
  if (action.empty()) {
    const Alert* a = ctx.alerts->engine().find(id);
    if (a == nullptr) return unknown();
    return json_response(200, to_json(*a), req.version());
  }
  auto r =
      action == "ack" ? ctx.alerts->acknowledge(id, unix_ms_now()) : ctx.alerts->resolve(id, unix_ms_now());
  if (!r) {
    switch (r.error()) {
      case AlertOpFailure::unknown_id:
        return unknown();
      case AlertOpFailure::already_resolved:
        return json_error(409, "alert_resolved",
                          fmt::format("alert {} is resolved; nothing to acknowledge", id), req.version());
      case AlertOpFailure::store_error:
        return json_error(
            500, "store_error",
            fmt::format("alert {} could not be saved; it is unchanged (see the daemon log)", id),
            req.version());
    }
  }
  return json_response(200, to_json(*r), req.version());
}

std::vector<std::string> health_reasons(const ApiContext& ctx) {
  return ctx.health == nullptr ? std::vector<std::string>{} : ctx.health->reasons(runtime::monotonic_now());
}

// GET /healthz: 200 {"status": "ok"}, or 503 {"status": "unhealthy", "reasons": [...]}.
HttpResponse get_healthz(const ApiContext& ctx, const HttpRequest& req) {
  auto reasons = health_reasons(ctx);
  if (reasons.empty()) return json_response(200, {{"status", "ok"}}, req.version());
  return json_response(503, {{"status", "unhealthy"}, {"reasons", reasons}}, req.version());
}

// GET status: who this node is, where it listens, and counts an operator
// looks at first (peers, members by state, unresolved alerts, health).
json status_json(ApiContext& ctx) {
  const Duration uptime = runtime::monotonic_now() - ctx.started_at;
  json out = ctx.runner.with_node([&](node::Node& n, Instant) {
    std::size_t connected = 0, connecting = 0;
    for (const auto& p : n.peers()) (p.state == "connected" ? connected : connecting) += 1;
    json members = nullptr;
    if (const membership::Membership* m = n.membership()) {
      members = json::object();
      const auto by_state = m->count_by_state();
      for (auto s : {membership::State::alive, membership::State::suspect, membership::State::dead,
                     membership::State::left}) {
        members[std::string(membership::name(s))] = by_state[static_cast<std::size_t>(s) - 1];
      }
    }
    return json{{"peers", {{"connected", connected}, {"connecting", connecting}}},
                {"peers_connected", connected},
                {"members", std::move(members)}};
  });
  json alerts = nullptr;
  if (ctx.alerts != nullptr) {
    alerts = {{"unresolved", 0}, {"by_severity", json::object()}};
    const auto open = ctx.alerts->engine().open_by_severity();
    std::size_t total = 0;
    for (auto s : {Severity::low, Severity::medium, Severity::high, Severity::critical}) {
      const auto count = open[static_cast<std::size_t>(s)];
      alerts["by_severity"][std::string(name(s))] = count;
      total += count;
    }
    alerts["unresolved"] = total;
  }
  const auto reasons = health_reasons(ctx);
  const auto started = unix_ms_now() - static_cast<std::int64_t>(uptime.ms());
  out.update({{"node_id", ctx.node_id},
              {"version", HYPHAE_VERSION},
              {"uptime_s", uptime.seconds()},
              {"started_at", rfc3339_ms(started)},
              {"listen", ctx.listen},
              {"advertise", ctx.advertise},
              {"api", ctx.api},
              {"discovery", ctx.lan != nullptr ? json(ctx.lan->socket().port()) : json(nullptr)},
              {"alerts", std::move(alerts)},
              {"event_subscribers", ctx.hub != nullptr ? json(ctx.hub->subscribers()) : json(nullptr)},
              {"log_file", ctx.log_file},
              {"health", {{"status", reasons.empty() ? "ok" : "unhealthy"}, {"reasons", reasons}}}});
  return out;
}

HttpResponse unauthorized(const HttpRequest& req) {
  auto res = json_error(401, "unauthorized", "missing or wrong bearer token", req.version());
  res.set(http::field::www_authenticate, "Bearer");
  return res;
}

}  // namespace

HttpResponse json_error(unsigned status, std::string_view code, std::string_view message, unsigned version) {
  json body{{"error", {{"code", code}, {"message", message}}}};
  return reply(version, static_cast<http::status>(status), body.dump() + "\n");
}

HttpResponse json_response(unsigned status, const nlohmann::json& body, unsigned version) {
  return reply(version, static_cast<http::status>(status),
               body.dump(-1, ' ', false, json::error_handler_t::replace) + "\n");
}

UpgradeResult handle_upgrade(ApiContext& ctx, const HttpRequest& req) {
  if (path_of(req.target()) != "/api/mesh/events") {
    return json_error(404, "not_found", "WebSocket is served at /api/mesh/events only", req.version());
  }
  if (!token_ok(ctx, req)) return unauthorized(req);
  if (ctx.hub == nullptr) {
    return json_error(503, "events_unavailable", "this node streams no events", req.version());
  }
  auto sub = ctx.hub->subscribe();
  if (!sub) {
    return json_error(
        503, "too_many_subscribers",
        "the event stream's subscriber limit is reached ([events] subscribers_max); retry later",
        req.version());
  }
  return sub;
}

ApiResult handle_api(ApiContext& ctx, const HttpRequest& req) {
  const std::string_view path = path_of(req.target());
  const auto method = req.method();
  if (path == "/healthz") return get_healthz(ctx, req);
  if (!token_ok(ctx, req)) return unauthorized(req);
  if (path == "/metrics" && method == http::verb::get) {
    return reply(req.version(), http::status::ok, render_metrics(ctx), "text/plain; version=0.0.4");
  }
  if (!path.starts_with(kPrefix)) return json_error(404, "not_found", "no such endpoint", req.version());
  const std::string_view route = path.substr(kPrefix.size());
  auto only = [&](http::verb allowed) -> std::optional<HttpResponse> {
    if (method == allowed) return std::nullopt;
    auto res = json_error(405, "method_not_allowed", "method not allowed here", req.version());
    res.set(http::field::allow, http::to_string(allowed));
    return res;
  };
  if (route == "peers") {
    if (auto r = only(http::verb::get)) return *r;
    return json_response(200, peers_json(ctx), req.version());
  }
  if (route == "routes") {
    if (auto r = only(http::verb::get)) return *r;
    json routes = ctx.runner.with_node([](node::Node& n, Instant) { return routes_json(n); });
    if (ctx.babel != nullptr) append_babel_routes(routes, *ctx.babel);
    return json_response(200, routes, req.version());
  }
  if (route == "messages") {
    if (method == http::verb::post) {
      if (ctx.messages == nullptr)
        return json_error(503, "unavailable", "messaging is not running", req.version());
      return ctx.messages->post_message(req);
    }
    if (auto r = only(http::verb::get)) return *r;
    return get_messages(ctx, req);
  }
  if (route == "broadcast") {
    if (auto r = only(http::verb::post)) return *r;
    if (ctx.messages == nullptr)
      return json_error(503, "unavailable", "messaging is not running", req.version());
    return ctx.messages->post_broadcast(req);
  }
  if (route == "stats") {
    if (auto r = only(http::verb::get)) return *r;
    json stats = stats_json(ctx);
    stats["messaging"] = ctx.messages != nullptr ? ctx.messages->stats_json() : json();
    return json_response(200, stats, req.version());
  }
  if (route == "nodes/discover") {
    if (auto r = only(http::verb::get)) return *r;
    return get_nodes(ctx, req);
  }
  if (route == "nodes/register") {
    if (auto r = only(http::verb::post)) return *r;
    return register_node(ctx, req);
  }
  if (route == "nodes/bootstrap") {
    if (auto r = only(http::verb::get)) return *r;
    return get_bootstrap(ctx, req);
  }
  if (route == "events") {
    auto res = json_error(426, "upgrade_required",
                          "/api/mesh/events is a WebSocket stream; connect with a WebSocket client "
                          "(GET events/recent lists the recent events)",
                          req.version());
    res.set(http::field::upgrade, "websocket");
    return res;
  }
  if (route == "events/recent") {
    if (auto r = only(http::verb::get)) return *r;
    return get_recent_events(ctx, req);
  }
  if (route == "history") {
    if (auto r = only(http::verb::get)) return *r;
    return get_history(ctx, req);
  }
  if (route == "alerts") {
    if (auto r = only(http::verb::get)) return *r;
    return get_alerts(ctx, req);
  }
  if (route.starts_with("alerts/")) return alert_by_id(ctx, req, route.substr(7));
  if (route == "status") {
    if (auto r = only(http::verb::get)) return *r;
    return json_response(200, status_json(ctx), req.version());
  }
  return json_error(404, "not_found", "no such endpoint", req.version());
}

}  // namespace hyphae::daemon
