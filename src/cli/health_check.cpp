#include "cli/health_check.hpp"

#include <fmt/format.h>

#include <boost/asio/connect.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/http.hpp>
#include <charconv>
#include <chrono>
#include <nlohmann/json.hpp>
#include <optional>

#include "cli/api_client.hpp"
#include "crypto/identity.hpp"
#include "daemon/config.hpp"

namespace hyphae::cli {
namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using nlohmann::json;

namespace {

constexpr int kHealthy = 0;
constexpr int kUnhealthy = 1;
constexpr int kCannotCheck = 2;

struct Verdict {
  int code = kCannotCheck;
  std::string detail;
};

// "5s", "500ms", "2m", or a number of seconds ("5", "0.5").
std::optional<std::chrono::milliseconds> parse_timeout(const std::string& text) {
  if (auto d = daemon::parse_duration(text); d && d->ns > 0) {
    return std::chrono::milliseconds(std::max<std::int64_t>(1, d->ns / 1'000'000));
  }
  double s = 0;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), s);
  if (ec != std::errc{} || end != text.data() + text.size() || !(s > 0) || s > 86400) return std::nullopt;
  return std::chrono::milliseconds(std::max<std::int64_t>(1, static_cast<std::int64_t>(s * 1000)));
}

// "host:port" or "[v6]:port".
std::optional<std::pair<std::string, std::string>> split_host_port(std::string_view s) {
  std::string_view host, port;
  if (s.starts_with('[')) {
    const auto close = s.find(']');
    if (close == std::string_view::npos || close + 1 >= s.size() || s[close + 1] != ':') return std::nullopt;
    host = s.substr(1, close - 1);
    port = s.substr(close + 2);
  } else {
    const auto colon = s.rfind(':');
    if (colon == std::string_view::npos) return std::nullopt;
    host = s.substr(0, colon);
    port = s.substr(colon + 1);
  }
  unsigned p = 0;
  auto [end, ec] = std::from_chars(port.data(), port.data() + port.size(), p);
  if (host.empty() || ec != std::errc{} || end != port.data() + port.size() || p == 0 || p > 65535) {
    return std::nullopt;
  }
  return std::pair{std::string(host), std::string(port)};
}

// Resolves and connects within the deadline; the stream is connected on success.
Verdict connect(asio::io_context& io, beast::tcp_stream& stream, const std::string& host,
                const std::string& port, std::chrono::milliseconds timeout) {
  asio::ip::tcp::resolver resolver(io);
  beast::error_code ec;
  const auto results = resolver.resolve(host, port, ec);
  if (ec) return {kUnhealthy, fmt::format("cannot resolve {}: {}", host, ec.message())};
  stream.expires_after(timeout);
  beast::error_code connect_ec = asio::error::would_block;
  stream.async_connect(results, [&](const beast::error_code& e, const auto&) { connect_ec = e; });
  io.run();
  io.restart();
  if (connect_ec == beast::error::timeout) {
    return {kUnhealthy, fmt::format("no TCP connection to {}:{} within {} ms", host, port, timeout.count())};
  }
  if (connect_ec)
    return {kUnhealthy, fmt::format("TCP connection to {}:{}: {}", host, port, connect_ec.message())};
  return {kHealthy, fmt::format("TCP connection to {}:{} opened", host, port)};
}

Verdict check_tcp(const std::string& target, std::chrono::milliseconds timeout) {
  auto hp = split_host_port(target);
  if (!hp) return {kCannotCheck, fmt::format("--tcp {}: use HOST:PORT, e.g. 127.0.0.1:9901", target)};
  asio::io_context io;
  beast::tcp_stream stream(io);
  return connect(io, stream, hp->first, hp->second, timeout);
}

Verdict check_http(const std::string& url, std::chrono::milliseconds timeout) {
  constexpr std::string_view kScheme = "http://";
  if (url.starts_with("https://")) {
    return {kCannotCheck, "--http: https is not supported; check the port with --tcp HOST:PORT instead"};
  }
  if (!url.starts_with(kScheme))
    return {kCannotCheck, fmt::format("--http {}: use http://HOST[:PORT]/PATH", url)};
  const std::string_view rest = std::string_view(url).substr(kScheme.size());
  const auto slash = rest.find('/');
  const std::string authority(rest.substr(0, slash));
  const std::string target = slash == std::string_view::npos ? "/" : std::string(rest.substr(slash));
  const bool bracketed = authority.starts_with('[');
  const bool has_port =
      bracketed ? authority.find("]:") != std::string::npos : authority.find(':') != std::string::npos;
  auto hp = split_host_port(has_port ? authority : authority + ":80");
  if (!hp) return {kCannotCheck, fmt::format("--http {}: use http://HOST[:PORT]/PATH", url)};
  asio::io_context io;
  beast::tcp_stream stream(io);
  const auto start = std::chrono::steady_clock::now();
  if (auto v = connect(io, stream, hp->first, hp->second, timeout); v.code != kHealthy) return v;
  http::request<http::empty_body> req{http::verb::get, target, 11};
  req.set(http::field::host, authority);
  req.set(http::field::user_agent, "hyphae-health");
  req.set(http::field::connection, "close");
  beast::flat_buffer buffer;
  http::response<http::string_body> res;
  beast::error_code ec = asio::error::would_block;
  stream.expires_at(std::chrono::steady_clock::now() + timeout - (std::chrono::steady_clock::now() - start));
  http::async_write(stream, req, [&](const beast::error_code& e, std::size_t) {
    if (e) {
      ec = e;
      return;
    }
    http::async_read(stream, buffer, res, [&](const beast::error_code& e2, std::size_t) { ec = e2; });
  });
  io.run();
  const auto ms =
      std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - start);
  if (ec == beast::error::timeout)
    return {kUnhealthy, fmt::format("no HTTP answer within {} ms", timeout.count())};
  if (ec) return {kUnhealthy, fmt::format("HTTP request failed: {}", ec.message())};
  const unsigned status = res.result_int();
  const bool ok = status >= 200 && status < 400;
  return {ok ? kHealthy : kUnhealthy, fmt::format("HTTP {} in {} ms", status, ms.count())};
}

// Asks the local daemon: is this node a member it sees alive? This node
// itself: is the daemon's own /healthz ok?
Verdict check_node(const ApiOptions& api, const std::string& id_text) {
  auto id = crypto::NodeId::parse(id_text);
  if (!id) return {kCannotCheck, fmt::format("--node {}: a node id is 40 hex characters", id_text)};
  auto reply = api_request(api.address, "GET", "/api/mesh/nodes/discover", {}, api.token);
  if (!reply) return {kCannotCheck, reply.error()};
  auto body = json::parse(reply->body, nullptr, false);
  if (reply->status != 200 || body.is_discarded() || !body.is_object()) {
    std::string message = reply->body;
    if (!body.is_discarded() && body.contains("error")) message = body["error"].value("message", message);
    return {kCannotCheck, fmt::format("the daemon answered {}: {}", reply->status, message)};
  }
  if (body["self"].value("node_id", "") == id->to_string()) {
    auto h = api_request(api.address, "GET", "/healthz", {}, api.token);
    if (!h) return {kCannotCheck, h.error()};
    auto hj = json::parse(h->body, nullptr, false);
    std::string reasons;
    if (!hj.is_discarded() && hj.contains("reasons")) {
      for (const auto& r : hj["reasons"]) reasons += (reasons.empty() ? "" : "; ") + r.get<std::string>();
    }
    if (h->status == 200) return {kHealthy, "this node: its daemon reports ok"};
    return {kUnhealthy, fmt::format("this node: its daemon reports {}", reasons.empty() ? h->body : reasons)};
  }
  for (const auto& n : body["nodes"]) {
    if (n.value("node_id", "") != id->to_string()) continue;
    const std::string state = n.value("state", "");
    const std::string health = n.contains("health") && n["health"].is_number()
                                   ? fmt::format("{:.2f}", n["health"].get<double>())
                                   : "-";
    return {state == "alive" ? kHealthy : kUnhealthy,
            fmt::format("member {}: {}, health {}", id_text, state, health)};
  }
  return {kUnhealthy, fmt::format("node {} is not a member this daemon knows", id_text)};
}

}  // namespace

int health(const ApiOptions& api, const HealthOptions& opts) {
  const int given = (opts.tcp.empty() ? 0 : 1) + (opts.http.empty() ? 0 : 1) + (opts.node.empty() ? 0 : 1);
  Verdict v;
  std::string check, target;
  if (given != 1) {
    v = {kCannotCheck, "give exactly one of --tcp HOST:PORT, --http URL, --node NODE_ID"};
  } else if (auto timeout = parse_timeout(opts.timeout); !timeout) {
    v = {kCannotCheck, fmt::format("--timeout {}: use a duration such as 5s or 500ms", opts.timeout)};
  } else if (!opts.tcp.empty()) {
    check = "tcp", target = opts.tcp;
    v = check_tcp(opts.tcp, *timeout);
  } else if (!opts.http.empty()) {
    check = "http", target = opts.http;
    v = check_http(opts.http, *timeout);
  } else {
    check = "node", target = opts.node;
    v = check_node(api, opts.node);
  }
  const std::string_view word = v.code == kHealthy ? "healthy" : v.code == kUnhealthy ? "unhealthy" : "error";
  if (opts.json) {
    fmt::print("{}\n", json{{"check", check},
                            {"target", target},
                            {"status", word},
                            {"exit_code", v.code},
                            {"detail", v.detail}}
                           .dump());
  } else if (v.code == kCannotCheck) {
    fmt::print(stderr, "hyphae health: {}\n", v.detail);
  } else {
    fmt::print("{}: {}\n", word, v.detail);
  }
  return v.code;
}

}  // namespace hyphae::cli
