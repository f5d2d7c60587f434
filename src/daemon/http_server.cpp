#include "daemon/http_server.hpp"

#include <spdlog/spdlog.h>

#include <array>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/redirect_error.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/http/parser.hpp>
#include <boost/beast/http/read.hpp>
#include <boost/beast/http/write.hpp>
#include <chrono>

namespace hyphae::daemon {
namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using asio::ip::tcp;

namespace {

constexpr std::size_t kMaxLingerBytes = std::size_t{8} << 20;

asio::awaitable<void> serve(tcp::socket socket, Handler handler) {
  beast::tcp_stream stream(std::move(socket));
  beast::flat_buffer buffer;
  for (;;) {
    stream.expires_after(std::chrono::seconds(30));
    http::request_parser<http::string_body> parser;
    parser.body_limit(kMaxRequestBody);
    beast::error_code ec;
    co_await http::async_read(stream, buffer, parser, asio::redirect_error(asio::use_awaitable, ec));
    if (ec == http::error::end_of_stream || ec == beast::error::timeout) break;
    HttpResponse res;
    bool keep_alive = true;
    if (ec == http::error::body_limit) {
      res = json_error(413, "body_too_large", "request body exceeds 1 MiB");
      keep_alive = false;
    } else if (ec) {
      res = json_error(400, "bad_http", ec.message());
      keep_alive = false;
    } else {
      const HttpRequest& req = parser.get();
      res = handler(req);
      keep_alive = req.keep_alive();
      res.keep_alive(keep_alive);
    }
    beast::error_code wec;
    co_await http::async_write(stream, res, asio::redirect_error(asio::use_awaitable, wec));
    if (wec || !keep_alive) break;
  }
  beast::error_code ignored;
  stream.socket().shutdown(tcp::socket::shutdown_send, ignored);
  // Lingering close (nginx's lingering_close): a client may still be sending
  // a body we refused. Closing with its bytes unread would reset the
  // connection, and the reset can reach it before our 413 does, so read and
  // discard for a moment first.
  stream.expires_after(std::chrono::seconds(2));
  std::array<char, 16384> sink{};
  std::size_t drained = 0;
  while (drained < kMaxLingerBytes) {
    const std::size_t n = co_await stream.async_read_some(asio::buffer(sink),
                                                          asio::redirect_error(asio::use_awaitable, ignored));
    if (ignored) break;
    drained += n;
  }
}

asio::awaitable<void> accept_loop(tcp::acceptor& acceptor, Handler handler) {
  for (;;) {
    beast::error_code ec;
    tcp::socket socket = co_await acceptor.async_accept(asio::redirect_error(asio::use_awaitable, ec));
    if (ec == asio::error::operation_aborted) co_return;
    if (ec) {
      spdlog::warn("api accept failed: {}", ec.message());
      continue;
    }
    asio::co_spawn(acceptor.get_executor(), serve(std::move(socket), handler), asio::detached);
  }
}

}  // namespace

void start_http_server(tcp::acceptor& acceptor, Handler handler) {
  asio::co_spawn(acceptor.get_executor(), accept_loop(acceptor, std::move(handler)), asio::detached);
}

}  // namespace hyphae::daemon
