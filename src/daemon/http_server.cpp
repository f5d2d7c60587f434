#include "daemon/http_server.hpp"

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include <array>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/redirect_error.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/http/parser.hpp>
#include <boost/beast/http/read.hpp>
#include <boost/beast/http/write.hpp>
#include <boost/beast/websocket/rfc6455.hpp>
#include <boost/beast/websocket/stream.hpp>
#include <chrono>
#include <memory>
#include <variant>

#include "daemon/event_hub.hpp"

namespace hyphae::daemon {
namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
namespace websocket = beast::websocket;
using asio::ip::tcp;

namespace {

constexpr std::size_t kMaxLingerBytes =
    kMaxRequestBody + (std::size_t{8} << 20);  // a refused body, read and dropped
// An event socket's kernel send buffer. Fixed (no autotuning, which grows to
// megabytes): what a stalled client has not taken then sits in its queue,
// where it is counted and bounded, not hidden in the kernel.
constexpr int kEventSendBuffer = 64 * 1024;
// A cut-off subscriber has this long to take its close frame; then the
// socket is closed without one.
constexpr auto kSlowCloseGrace = std::chrono::seconds(10);
// Clients only send control frames; anything bigger than this is an error.
constexpr std::size_t kMaxClientMessage = 4096;

// One WebSocket subscriber: a writer that drains the subscription and a
// reader that answers control frames and notices the client leaving.
struct EventSession : std::enable_shared_from_this<EventSession> {
  EventSession(beast::tcp_stream stream, std::shared_ptr<EventSubscription> subscription)
      : ws(std::move(stream)),
        wakeup(ws.get_executor()),
        cutoff(ws.get_executor()),
        sub(std::move(subscription)) {}

  // From the hub, inside publish(): only schedules.
  void wake() {
    wakeup.cancel();
    if (!sub->overflowed() || cutoff_armed) return;
    cutoff_armed = true;
    cutoff.expires_after(kSlowCloseGrace);
    cutoff.async_wait([weak = weak_from_this()](const beast::error_code& ec) {
      if (ec) return;
      if (auto self = weak.lock()) {
        beast::error_code ignored;
        beast::get_lowest_layer(self->ws).socket().close(ignored);
      }
    });
  }

  websocket::stream<beast::tcp_stream> ws;
  asio::steady_timer wakeup;  // the writer waits on it; cancel() wakes it
  asio::steady_timer cutoff;
  std::shared_ptr<EventSubscription> sub;
  bool cutoff_armed = false;
  bool reader_done = false;
};

asio::awaitable<void> read_until_closed(std::shared_ptr<EventSession> s) {
  beast::flat_buffer buffer;
  for (;;) {
    beast::error_code ec;
    co_await s->ws.async_read(buffer, asio::redirect_error(asio::use_awaitable, ec));
    if (ec) break;
    buffer.clear();  // nothing to do with what clients say
  }
  s->reader_done = true;
  s->wakeup.cancel();
}

asio::awaitable<void> write_events(std::shared_ptr<EventSession> s) {
  while (!s->reader_done) {
    beast::error_code ec;
    if (s->sub->overflowed()) {
      const auto reason = fmt::format("slow consumer: {} events behind", s->sub->behind());
      spdlog::warn("events: closing a subscriber: {}", reason);
      co_await s->ws.async_close(websocket::close_reason(websocket::close_code::policy_error, reason),
                                 asio::redirect_error(asio::use_awaitable, ec));
      break;
    }
    if (auto text = s->sub->pop()) {
      co_await s->ws.async_write(asio::buffer(*text), asio::redirect_error(asio::use_awaitable, ec));
      if (ec) break;
      continue;
    }
    s->wakeup.expires_at(asio::steady_timer::time_point::max());
    co_await s->wakeup.async_wait(asio::redirect_error(asio::use_awaitable, ec));  // cancelled: work to do
  }
  s->sub->close();
  s->cutoff.cancel();
}

asio::awaitable<void> stream_events(beast::tcp_stream stream, HttpRequest req,
                                    std::shared_ptr<EventSubscription> sub) {
  stream.expires_never();  // the WebSocket layer keeps its own timeouts
  beast::error_code ec;
  stream.socket().set_option(asio::socket_base::send_buffer_size(kEventSendBuffer), ec);
  auto s = std::make_shared<EventSession>(std::move(stream), std::move(sub));
  s->ws.read_message_max(kMaxClientMessage);
  // Pings after 30 s of silence; a client that answers nothing for 60 s is
  // gone. No handshake timeout: Beast 1.74 asserts when its close-handshake
  // timer fires while a read waits (read.hpp:114); the close we start is
  // bounded by our own cutoff timer instead, and the opening handshake is a
  // single write on a fresh socket.
  s->ws.set_option(websocket::stream_base::timeout{.handshake_timeout = websocket::stream_base::none(),
                                                   .idle_timeout = std::chrono::seconds(60),
                                                   .keep_alive_pings = true});
  s->ws.set_option(websocket::stream_base::decorator(
      [](websocket::response_type& res) { res.set(http::field::server, "hyphae"); }));
  s->ws.text(true);
  co_await s->ws.async_accept(req, asio::redirect_error(asio::use_awaitable, ec));
  if (ec) {
    s->sub->close();
    co_return;
  }
  s->sub->set_wake([weak = std::weak_ptr<EventSession>(s)] {
    if (auto self = weak.lock()) self->wake();
  });
  if (s->sub->overflowed()) s->wake();  // overflowed during the handshake
  asio::co_spawn(s->ws.get_executor(), read_until_closed(s), asio::detached);
  co_await write_events(s);
}

// Parks the connection until the reply is complete (its owner bounds the wait).
asio::awaitable<HttpResponse> wait_for(PendingReply& reply, const asio::any_io_executor& executor) {
  asio::steady_timer wake(executor);
  reply.on_complete([&wake] { wake.cancel(); });
  while (!reply.done()) {
    wake.expires_at(asio::steady_timer::time_point::max());
    beast::error_code ec;
    co_await wake.async_wait(asio::redirect_error(asio::use_awaitable, ec));  // cancelled: answered
  }
  reply.on_complete({});
  co_return reply.take();
}

asio::awaitable<void> serve(tcp::socket socket, Handler handler, UpgradeHandler upgrade) {
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
      res = json_error(413, "body_too_large",
                       fmt::format("request body exceeds {} MiB", kMaxRequestBody >> 20));
      keep_alive = false;
    } else if (ec) {
      res = json_error(400, "bad_http", ec.message());
      keep_alive = false;
    } else if (upgrade && websocket::is_upgrade(parser.get())) {
      UpgradeResult r = upgrade(parser.get());
      if (auto* sub = std::get_if<std::shared_ptr<EventSubscription>>(&r)) {
        co_await stream_events(std::move(stream), parser.release(), std::move(*sub));
        co_return;
      }
      res = std::move(std::get<HttpResponse>(r));
      keep_alive = false;
    } else {
      const HttpRequest& req = parser.get();
      ApiResult result = handler(req);
      if (auto* pending = std::get_if<std::shared_ptr<PendingReply>>(&result)) {
        res = co_await wait_for(**pending, stream.get_executor());
        stream.expires_after(std::chrono::seconds(30));  // the write gets its own time
      } else {
        res = std::move(std::get<HttpResponse>(result));
      }
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

asio::awaitable<void> accept_loop(tcp::acceptor& acceptor, Handler handler, UpgradeHandler upgrade) {
  for (;;) {
    beast::error_code ec;
    tcp::socket socket = co_await acceptor.async_accept(asio::redirect_error(asio::use_awaitable, ec));
    if (ec == asio::error::operation_aborted) co_return;
    if (ec) {
      spdlog::warn("api accept failed: {}", ec.message());
      continue;
    }
    asio::co_spawn(acceptor.get_executor(), serve(std::move(socket), handler, upgrade), asio::detached);
  }
}

}  // namespace

void start_http_server(tcp::acceptor& acceptor, Handler handler, UpgradeHandler upgrade) {
  asio::co_spawn(acceptor.get_executor(), accept_loop(acceptor, std::move(handler), std::move(upgrade)),
                 asio::detached);
}

}  // namespace hyphae::daemon
