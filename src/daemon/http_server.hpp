// The admin API's HTTP/1.1 server (Boost.Beast, C++20 coroutines on the
// daemon's single io_context). Bodies over kMaxRequestBody get 413; idle
// connections close after 30 s.
#pragma once

#include <boost/asio/ip/tcp.hpp>
#include <functional>

#include "daemon/api.hpp"

namespace hyphae::daemon {

using Handler = std::function<HttpResponse(const HttpRequest&)>;

// Starts accepting on `acceptor`; runs until the io_context stops.
void start_http_server(boost::asio::ip::tcp::acceptor& acceptor, Handler handler);

}  // namespace hyphae::daemon
