// The admin HTTP API's request handling, separate from the socket code so
// tests can call it directly. JSON in, JSON out; errors are
// {"error": {"code", "message"}} with the matching HTTP status.
#pragma once

#include <boost/beast/http/message.hpp>
#include <boost/beast/http/string_body.hpp>
#include <functional>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>
#include <variant>

#include "daemon/event_log.hpp"
#include "daemon/inbox.hpp"
#include "daemon/pending_reply.hpp"
#include "runtime/node_runner.hpp"

namespace hyphae::daemon {

class LanDiscoveryRunner;
class BabelRunner;
class AlertService;
class Store;
class EventHub;
class EventSubscription;
class HealthMonitor;
class MessageService;

using HttpRequest = boost::beast::http::request<boost::beast::http::string_body>;
using HttpResponse = boost::beast::http::response<boost::beast::http::string_body>;

struct ApiContext {
  runtime::NodeRunner& runner;
  Inbox& inbox;
  std::string node_id;
  std::string listen;
  std::string api_token;  // empty: no token required (loopback only)
  Instant started_at;
  EventLog& events;
  std::string advertise;                    // where other nodes reach this one
  const LanDiscoveryRunner* lan = nullptr;  // null: LAN discovery off
  const BabelRunner* babel = nullptr;       // null: no [[babel]] interface
  Store* store = nullptr;                   // history (GET history); null in tests without one
  AlertService* alerts = nullptr;           // GET alerts, POST alerts/{id}/ack|resolve
  EventHub* hub = nullptr;                  // the WebSocket event stream; null: none
  const HealthMonitor* health = nullptr;    // GET /healthz reasons; null: always healthy
  std::string log_file;                     // where `hyphae logs` reads
  std::string api;                          // where this API listens
  MessageService* messages = nullptr;       // POST messages, POST broadcast, stats' "messaging"
};

ApiResult handle_api(ApiContext& ctx, const HttpRequest& request);

// A WebSocket upgrade request: the events to stream, or the HTTP refusal
// (401 without the token, 404 elsewhere than /api/mesh/events, 503 when the
// subscriber limit is reached).
using UpgradeResult = std::variant<HttpResponse, std::shared_ptr<EventSubscription>>;
UpgradeResult handle_upgrade(ApiContext& ctx, const HttpRequest& request);

// Body size the server accepts; larger requests get 413 before parsing.
// A message payload may be 16 MiB (messaging::kMaxMessageSize); its JSON
// string and the other fields fit in one more.
inline constexpr std::size_t kMaxRequestBody = std::size_t{17} << 20;

HttpResponse json_error(unsigned status, std::string_view code, std::string_view message,
                        unsigned version = 11);
HttpResponse json_response(unsigned status, const nlohmann::json& body, unsigned version = 11);

}  // namespace hyphae::daemon
