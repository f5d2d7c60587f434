// An HTTP answer that comes later: POST /api/mesh/messages with "wait": true
// parks its connection until the RESPONSE arrives or the wait times out. The
// server (http_server.cpp) waits on it without blocking the io_context.
#pragma once

#include <boost/beast/http.hpp>
#include <functional>
#include <memory>
#include <optional>
#include <utility>
#include <variant>

namespace hyphae::daemon {

using HttpResponse = boost::beast::http::response<boost::beast::http::string_body>;

class PendingReply {
 public:
  // The first answer wins; later ones are ignored.
  void complete(HttpResponse r) {
    if (response_) return;
    response_ = std::move(r);
    if (wake_) wake_();
  }
  bool done() const { return response_.has_value(); }
  HttpResponse take() { return std::move(*response_); }
  // The server's wake-up, called once complete() has an answer.
  void on_complete(std::function<void()> wake) { wake_ = std::move(wake); }

 private:
  std::optional<HttpResponse> response_;
  std::function<void()> wake_;
};

// What an API handler returns: an answer now, or one to wait for.
using ApiResult = std::variant<HttpResponse, std::shared_ptr<PendingReply>>;

}  // namespace hyphae::daemon
