// The admin API's HTTP/1.1 server (Boost.Beast, C++20 coroutines on the
// daemon's single io_context). Bodies over kMaxRequestBody get 413; idle
// connections close after 30 s. A WebSocket upgrade that the UpgradeHandler
// accepts becomes an event stream (GET /api/mesh/events).
#pragma once

#include <boost/asio/ip/tcp.hpp>
#include <functional>

#include "daemon/api.hpp"

namespace hyphae::daemon {

// An answer now, or a PendingReply the connection waits for (without
// blocking the io_context) before it writes the answer.
using Handler = std::function<ApiResult(const HttpRequest&)>;
using UpgradeHandler = std::function<UpgradeResult(const HttpRequest&)>;

// Starts accepting on `acceptor`; runs until the io_context stops. Without an
// UpgradeHandler, WebSocket upgrades go to `handler` like any request.
void start_http_server(boost::asio::ip::tcp::acceptor& acceptor, Handler handler,
                       UpgradeHandler upgrade = {});

}  // namespace hyphae::daemon
