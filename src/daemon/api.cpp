#include "daemon/api.hpp"

#include <fmt/format.h>
#include <sodium.h>

#include <boost/beast/http/status.hpp>
#include <charconv>
#include <nlohmann/json.hpp>

#include "base/hex.hpp"
#include "daemon/metrics.hpp"
#include "runtime/clock.hpp"
#include "wire/message_kind.hpp"

namespace hyphae::daemon {
namespace http = boost::beast::http;
using nlohmann::json;

namespace {

constexpr std::string_view kPrefix = "/api/mesh/";
constexpr std::size_t kInboxPageMax = 1000;

HttpResponse reply(unsigned version, http::status status, std::string body,
                   std::string_view content_type = "application/json") {
  HttpResponse res{status, version};
  res.set(http::field::content_type, content_type);
  res.set(http::field::server, "hyphae");
  res.body() = std::move(body);
  res.prepare_payload();
  return res;
}

HttpResponse json_reply(const HttpRequest& req, const json& body, http::status status = http::status::ok) {
  return reply(req.version(), status, body.dump(-1, ' ', false, json::error_handler_t::replace) + "\n");
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

json peers_json(ApiContext& ctx) {
  json out = json::array();
  auto peers = ctx.runner.with_node([](node::Node& n, Instant) { return n.peers(); });
  for (const auto& p : peers) {
    out.push_back({{"node_id", p.state == "connected" ? p.id.to_string() : ""},
                   {"address", p.address.to_string()},
                   {"state", p.state},
                   {"rtt_ms", p.srtt ? json(p.srtt->ms()) : json(nullptr)}});
  }
  return out;
}

HttpResponse post_message(ApiContext& ctx, const HttpRequest& req) {
  auto body = json::parse(req.body(), nullptr, /*allow_exceptions=*/false);
  if (body.is_discarded())
    return json_error(400, "bad_json", "request body is not valid JSON", req.version());
  if (!body.is_object())
    return json_error(400, "bad_request", "request body must be a JSON object", req.version());
  if (!body.contains("to") || !body["to"].is_string()) {
    return json_error(400, "bad_field", "'to' must be a node id (40 hex characters)", req.version());
  }
  auto to = crypto::NodeId::parse(body["to"].get<std::string>());
  if (!to) return json_error(400, "bad_field", "'to' must be a node id (40 hex characters)", req.version());
  const std::string type_text = body.value("type", "NOTIFICATION");
  auto type = wire::parse_message_type(type_text);
  if (!body.value("type", json("NOTIFICATION")).is_string() || !type) {
    return json_error(400, "bad_field",
                      "'type' must be one of TASK, QUERY, RESPONSE, NOTIFICATION, PARAMETER_UPDATE",
                      req.version());
  }
  if (!body.value("priority", json("MEDIUM")).is_string()) {
    return json_error(400, "bad_field", "'priority' must be one of CRITICAL, HIGH, MEDIUM, LOW",
                      req.version());
  }
  auto priority = wire::parse_priority(body.value("priority", "MEDIUM"));
  if (!priority) {
    return json_error(400, "bad_field", "'priority' must be one of CRITICAL, HIGH, MEDIUM, LOW",
                      req.version());
  }
  if (!body.contains("payload") || !body["payload"].is_string()) {
    return json_error(400, "bad_field", "'payload' must be a string", req.version());
  }
  const std::string payload = body["payload"].get<std::string>();
  auto sent = ctx.runner.with_node(
      [&](node::Node& n, Instant now) { return n.send(now, *to, *type, *priority, as_bytes(payload)); });
  if (!sent) {
    switch (sent.error()) {
      case node::SendError::payload_too_large:
        return json_error(
            413, "payload_too_large",
            fmt::format("payload is {} bytes; the limit is {}", payload.size(), wire::kMaxMessagePayload),
            req.version());
      case node::SendError::outbox_full:
        return json_error(503, "outbox_full", "too many unacknowledged messages; retry later", req.version());
      case node::SendError::to_self:
        return json_error(400, "to_self", "cannot send a message to this node itself", req.version());
    }
  }
  return json_reply(req, {{"id", fmt::format("{:016x}", *sent)}}, http::status::accepted);
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
  return json_reply(req, out);
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
                {"tx_errors", ctx.runner.send_errors()}};
  });
}

}  // namespace

HttpResponse json_error(unsigned status, std::string_view code, std::string_view message, unsigned version) {
  json body{{"error", {{"code", code}, {"message", message}}}};
  return reply(version, static_cast<http::status>(status), body.dump() + "\n");
}

HttpResponse handle_api(ApiContext& ctx, const HttpRequest& req) {
  const std::string_view path = path_of(req.target());
  const auto method = req.method();
  if (path == "/healthz") return reply(req.version(), http::status::ok, "ok\n", "text/plain");
  if (!token_ok(ctx, req)) {
    auto res = json_error(401, "unauthorized", "missing or wrong bearer token", req.version());
    res.set(http::field::www_authenticate, "Bearer");
    return res;
  }
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
    return json_reply(req, peers_json(ctx));
  }
  if (route == "messages") {
    if (method == http::verb::post) return post_message(ctx, req);
    if (auto r = only(http::verb::get)) return *r;
    return get_messages(ctx, req);
  }
  if (route == "stats") {
    if (auto r = only(http::verb::get)) return *r;
    return json_reply(req, stats_json(ctx));
  }
  if (route == "status") {
    if (auto r = only(http::verb::get)) return *r;
    const Duration uptime = runtime::monotonic_now() - ctx.started_at;
    const auto peers = peers_json(ctx);
    std::size_t connected = 0;
    for (const auto& p : peers) connected += p["state"] == "connected" ? 1 : 0;
    return json_reply(req, {{"node_id", ctx.node_id},
                            {"version", HYPHAE_VERSION},
                            {"listen", ctx.listen},
                            {"uptime_s", uptime.seconds()},
                            {"peers_connected", connected}});
  }
  return json_error(404, "not_found", "no such endpoint", req.version());
}

}  // namespace hyphae::daemon
