#include "daemon/message_service.hpp"

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include <charconv>
#include <chrono>

#include "base/bytes.hpp"
#include "daemon/config.hpp"
#include "messaging/envelope.hpp"

namespace hyphae::daemon {
namespace {

using nlohmann::json;

constexpr Duration kMaxTtl = seconds(24 * 3600);
constexpr Duration kDefaultWait = seconds(5);
constexpr Duration kMaxWait = seconds(300);

std::int64_t unix_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

std::string hex_id(std::uint64_t id) { return fmt::format("{:016x}", id); }

std::optional<std::uint64_t> parse_hex_id(std::string_view text) {
  std::uint64_t v = 0;
  if (text.size() != 16) return std::nullopt;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), v, 16);
  if (ec != std::errc{} || end != text.data() + text.size()) return std::nullopt;
  return v;
}

// A duration field: "30s", "500ms", ... or a number of milliseconds.
std::optional<Duration> duration_field(const json& v) {
  if (v.is_number_unsigned()) return milliseconds(static_cast<std::int64_t>(v.get<std::uint64_t>()));
  if (v.is_string()) return parse_duration(v.get<std::string>());
  return std::nullopt;
}

// What a bad request gets: status, code, message.
struct Refusal {
  unsigned status;
  std::string code, message;
};

struct ParsedSend {
  crypto::NodeId to;
  wire::MessageType type = wire::MessageType::notification;
  wire::Priority priority = wire::Priority::medium;
  std::string payload;
  node::SendOptions options;
  bool wait = false;
  Duration timeout = kDefaultWait;
};

Result<json, Refusal> parse_object(const HttpRequest& req) {
  auto body = json::parse(req.body(), nullptr, /*allow_exceptions=*/false);
  if (body.is_discarded()) return fail(Refusal{400, "bad_json", "request body is not valid JSON"});
  if (!body.is_object()) return fail(Refusal{400, "bad_request", "request body must be a JSON object"});
  return body;
}

// type, priority and payload, shared by send and broadcast.
Result<void, Refusal> parse_kind(const json& body, wire::MessageType& type, wire::Priority& priority,
                                 std::string& payload) {
  const json t = body.value("type", json("NOTIFICATION"));
  auto parsed_type = t.is_string() ? wire::parse_message_type(t.get<std::string>()) : std::nullopt;
  if (!parsed_type) {
    return fail(Refusal{400, "bad_field",
                        "'type' must be one of TASK, QUERY, RESPONSE, NOTIFICATION, PARAMETER_UPDATE"});
  }
  const json p = body.value("priority", json("MEDIUM"));
  auto parsed_priority = p.is_string() ? wire::parse_priority(p.get<std::string>()) : std::nullopt;
  if (!parsed_priority)
    return fail(Refusal{400, "bad_field", "'priority' must be one of CRITICAL, HIGH, MEDIUM, LOW"});
  if (!body.contains("payload") || !body["payload"].is_string()) {
    return fail(Refusal{400, "bad_field", "'payload' must be a string"});
  }
  type = *parsed_type;
  priority = *parsed_priority;
  payload = body["payload"].get<std::string>();
  return {};
}

Result<ParsedSend, Refusal> parse_send(const json& body) {
  ParsedSend s;
  if (!body.contains("to") || !body["to"].is_string()) {
    return fail(Refusal{400, "bad_field", "'to' must be a node id (40 hex characters)"});
  }
  auto to = crypto::NodeId::parse(body["to"].get<std::string>());
  if (!to) return fail(Refusal{400, "bad_field", "'to' must be a node id (40 hex characters)"});
  s.to = *to;
  if (auto r = parse_kind(body, s.type, s.priority, s.payload); !r) return fail(r.error());
  if (body.contains("ttl")) {
    auto ttl = duration_field(body["ttl"]);
    if (!ttl || *ttl <= Duration{} || *ttl > kMaxTtl) {
      return fail(Refusal{400, "bad_field", "'ttl' must be a duration (\"30s\", or milliseconds) up to 24h"});
    }
    s.options.deadline = *ttl;
  }
  if (body.contains("reply_to")) {
    auto id = body["reply_to"].is_string() ? parse_hex_id(body["reply_to"].get<std::string>()) : std::nullopt;
    if (!id) return fail(Refusal{400, "bad_field", "'reply_to' must be a message id (16 hex characters)"});
    s.options.reply_to = *id;
  }
  if (body.contains("wait")) {
    if (!body["wait"].is_boolean()) return fail(Refusal{400, "bad_field", "'wait' must be true or false"});
    s.wait = body["wait"].get<bool>();
  }
  if (s.wait && s.type != wire::MessageType::query) {
    return fail(Refusal{400, "bad_field", "'wait' is for a QUERY: set \"type\": \"QUERY\""});
  }
  if (body.contains("timeout")) {
    auto t = duration_field(body["timeout"]);
    if (!t || *t <= Duration{} || *t > kMaxWait) {
      return fail(
          Refusal{400, "bad_field", "'timeout' must be a duration (\"5s\", or milliseconds) up to 5m"});
    }
    s.timeout = *t;
  }
  if (s.wait && !s.options.deadline) s.options.deadline = s.timeout;  // no use delivering it later
  return s;
}

Refusal refusal_of(node::SendError e, const ParsedSend& s) {
  switch (e) {
    case node::SendError::payload_too_large:
      return {
          413, "payload_too_large",
          fmt::format("payload is {} bytes; the limit is {}", s.payload.size(), messaging::kMaxMessageSize)};
    case node::SendError::queue_full:
      return {503, "queue_full", fmt::format("the {} queue is full; retry later", wire::name(s.priority))};
    case node::SendError::to_self:
      return {400, "to_self", "cannot send a message to this node itself"};
  }
  return {500, "internal", "unknown send error"};
}

json received_json(const node::MessageReceived& m) {
  return {{"id", hex_id(m.id)},
          {"from", m.from.to_string()},
          {"type", wire::name(m.type)},
          {"priority", wire::name(m.priority)},
          {"payload", std::string(as_chars(m.payload))},
          {"reply_to", m.reply_to ? json(hex_id(*m.reply_to)) : json()}};
}

json latency_json(const messaging::LatencyHistogram& h) {
  if (h.count() == 0) return nullptr;
  return {{"p50", h.quantile(0.50).ms()}, {"p90", h.quantile(0.90).ms()}, {"p99", h.quantile(0.99).ms()}};
}

}  // namespace

MessageService::MessageService(boost::asio::any_io_executor executor, runtime::NodeRunner& runner,
                               MessageJournal journal, const Inbox& inbox)
    : executor_(std::move(executor)), runner_(runner), journal_(std::move(journal)), inbox_(inbox) {}

void MessageService::restore() {
  auto pending = journal_.pending();
  if (!pending) {
    spdlog::error("messages journal: {}", pending.error());
    return;
  }
  const std::int64_t now_ms = unix_ms();
  std::size_t resent = 0, expired = 0;
  runner_.with_node([&](node::Node& n, Instant now) {
    for (const auto& e : inbox_.entries()) {
      auto from = crypto::NodeId::parse(e.from);
      auto id = parse_hex_id(e.id);
      if (from && id && !e.broadcast) n.remember_delivered(*from, *id);
    }
    for (const auto& m : *pending) {
      auto to = crypto::NodeId::parse(m.to);
      auto type = wire::parse_message_type(m.type);
      auto priority = wire::parse_priority(m.priority);
      const bool usable = to && type && priority;
      if (!usable || m.deadline <= now_ms) {
        (void)journal_.finish(m.id, "failed", now_ms);
        ++expired;
        continue;
      }
      auto r = n.send(now, *to, *type, *priority, m.payload,
                      node::SendOptions{
                          .deadline = milliseconds(m.deadline - now_ms), .reply_to = m.reply_to, .id = m.id});
      if (!r) {
        (void)journal_.finish(m.id, "failed", now_ms);
        ++expired;
        continue;
      }
      ++resent;
    }
  });
  if (resent + expired > 0) {
    spdlog::info("messages: {} pending from before the restart sent again, {} past their deadline failed",
                 resent, expired);
  }
}

ApiResult MessageService::post_message(const HttpRequest& req) {
  auto refuse = [&](const Refusal& r) { return json_error(r.status, r.code, r.message, req.version()); };
  auto body = parse_object(req);
  if (!body) return refuse(body.error());
  auto s = parse_send(*body);
  if (!s) return refuse(s.error());
  if (s->payload.size() > messaging::kMaxMessageSize)
    return refuse(refusal_of(node::SendError::payload_too_large, *s));
  const auto created = unix_ms();
  auto sent = runner_.with_node([&](node::Node& n, Instant now) -> Result<std::uint64_t, Refusal> {
    if (s->to != n.id() && !n.knows(s->to)) {
      return fail(
          Refusal{404, "unknown_node",
                  fmt::format("node {} is not a peer, a member or a route destination", s->to.to_string())});
    }
    auto r = n.send(now, s->to, s->type, s->priority, as_bytes(s->payload), s->options);
    if (!r) return fail(refusal_of(r.error(), *s));
    return *r;
  });
  if (!sent) return refuse(sent.error());
  const auto ttl = s->options.deadline.value_or(node::NodeConfig{}.message_deadline);
  auto journaled = journal_.add(JournalMessage{.id = *sent,
                                               .to = s->to.to_string(),
                                               .type = std::string(wire::name(s->type)),
                                               .priority = std::string(wire::name(s->priority)),
                                               .payload = Bytes(s->payload.begin(), s->payload.end()),
                                               .reply_to = s->options.reply_to,
                                               .created = created,
                                               .deadline = created + ttl.ns / 1'000'000});
  if (!journaled) {
    // It is on its way, but would not survive a crash: say so rather than 202.
    spdlog::error("messages journal: {}", journaled.error());
    return json_error(500, "store_error",
                      fmt::format("message {} was sent but not stored: {}", hex_id(*sent), journaled.error()),
                      req.version());
  }
  if (!s->wait) return json_response(202, {{"id", hex_id(*sent)}}, req.version());
  auto reply = std::make_shared<PendingReply>();
  auto timer = std::make_unique<boost::asio::steady_timer>(executor_);
  timer->expires_after(std::chrono::nanoseconds(s->timeout.ns));
  const std::uint64_t id = *sent;
  timer->async_wait([this, id, timeout = s->timeout](const boost::system::error_code& ec) {
    if (ec) return;  // answered (the timer was cancelled)
    answer(id,
           json_error(504, "timeout",
                      fmt::format("no RESPONSE to query {} within {:.3g} s", hex_id(id), timeout.seconds())));
  });
  waiters_[id] = Waiter{.reply = reply, .timer = std::move(timer), .version = req.version()};
  return reply;
}

void MessageService::answer(std::uint64_t query, HttpResponse r) {
  auto it = waiters_.find(query);
  if (it == waiters_.end()) return;
  r.version(it->second.version);
  it->second.reply->complete(std::move(r));
  it->second.timer->cancel();
  waiters_.erase(it);
}

HttpResponse MessageService::post_broadcast(const HttpRequest& req) {
  auto refuse = [&](const Refusal& r) { return json_error(r.status, r.code, r.message, req.version()); };
  auto body = parse_object(req);
  if (!body) return refuse(body.error());
  wire::MessageType type{};
  wire::Priority priority{};
  std::string payload;
  if (auto r = parse_kind(*body, type, priority, payload); !r) return refuse(r.error());
  if (payload.size() > wire::kMaxFloodPayload) {
    return refuse({413, "payload_too_large",
                   fmt::format("a broadcast payload is {} bytes; the limit is {}", payload.size(),
                               wire::kMaxFloodPayload)});
  }
  auto id = runner_.with_node(
      [&](node::Node& n, Instant now) { return n.broadcast(now, type, priority, as_bytes(payload)); });
  if (!id) return refuse({500, "internal", std::string(node::name(id.error()))});
  return json_response(202, {{"id", hex_id(*id)}}, req.version());
}

nlohmann::json MessageService::stats_json() {
  return runner_.with_node([&](node::Node& n, Instant now) {
    const auto& st = n.messaging_stats();
    json by_priority = json::object();
    std::uint64_t sent = 0, delivered = 0, failed = 0, rejected = 0;
    for (auto p :
         {wire::Priority::critical, wire::Priority::high, wire::Priority::medium, wire::Priority::low}) {
      const auto& s = st.by_priority[static_cast<std::size_t>(p)];
      by_priority[std::string(wire::name(p))] = {{"sent", s.sent},
                                                 {"delivered", s.delivered},
                                                 {"failed", s.failed},
                                                 {"rejected", s.rejected},
                                                 {"latency_ms", latency_json(s.latency)}};
      sent += s.sent;
      delivered += s.delivered;
      failed += s.failed;
      rejected += s.rejected;
    }
    std::size_t healthy = 0;
    const auto peers = n.peers();
    if (const auto* m = n.membership()) {
      for (const auto& v : m->members(now)) {
        if (v.state == membership::State::alive && v.health.total >= 0.5) ++healthy;
      }
    } else {
      for (const auto& p : peers) healthy += p.state == "connected" ? 1 : 0;
    }
    std::size_t active = 0;
    for (const auto& p : peers) active += p.state == "connected" ? 1 : 0;
    const std::uint64_t done = delivered + failed;
    return json{{"sent", sent},
                {"delivered", delivered},
                {"failed", failed},
                {"rejected", rejected},
                {"pending", n.outbox_size()},
                {"success_rate",
                 done == 0 ? json() : json(static_cast<double>(delivered) / static_cast<double>(done))},
                {"received", st.received},
                {"duplicates", st.duplicates},
                {"broadcasts_sent", n.counters().floods_sent},
                {"broadcasts_received", n.counters().floods_received},
                {"by_priority", by_priority},
                {"active_peers", active},
                {"healthy_peers", healthy},
                {"journal_errors", journal_.errors()}};
  });
}

void MessageService::on_event(const node::NodeEvent& e) {
  if (const auto* acked = std::get_if<node::MessageAcked>(&e)) {
    if (auto r = journal_.finish(acked->id, "acked", unix_ms()); !r)
      spdlog::error("messages journal: {}", r.error());
  } else if (const auto* failed = std::get_if<node::MessageFailed>(&e)) {
    if (auto r = journal_.finish(failed->id, "failed", unix_ms()); !r) {
      spdlog::error("messages journal: {}", r.error());
    }
    answer(failed->id,
           json_error(504, "undeliverable",
                      fmt::format("query {} was not delivered: {}", hex_id(failed->id), failed->reason)));
  } else if (const auto* got = std::get_if<node::MessageReceived>(&e)) {
    if (got->reply_to && waiters_.contains(*got->reply_to)) {
      answer(*got->reply_to,
             json_response(200, {{"id", hex_id(*got->reply_to)}, {"response", received_json(*got)}}));
    }
  }
}

}  // namespace hyphae::daemon
