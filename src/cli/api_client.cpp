#include "cli/api_client.hpp"

#include <spdlog/spdlog.h>

#include <boost/asio/connect.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/http.hpp>
#include <chrono>

#include "base/endpoint.hpp"
#include "runtime/asio_endpoint.hpp"

namespace hyphae::cli {
namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;

Result<ApiReply, std::string> api_request(const std::string& api, const std::string& method,
                                          const std::string& target, const std::string& body,
                                          const std::string& token) {
  auto address = Endpoint::parse(api);
  if (!address) return fail("bad --api address '" + api + "': use host:port, e.g. 127.0.0.1:9901");
  try {
    asio::io_context io;
    beast::tcp_stream stream(io);
    stream.expires_after(std::chrono::seconds(30));
    const auto udp = runtime::to_asio(*address, !address->is_v4());
    stream.connect(asio::ip::tcp::endpoint(udp.address(), udp.port()));
    http::request<http::string_body> req{http::string_to_verb(method), target, 11};
    req.set(http::field::host, api);
    req.set(http::field::user_agent, "hyphae-cli");
    if (!token.empty()) req.set(http::field::authorization, "Bearer " + token);
    if (!body.empty()) {
      req.set(http::field::content_type, "application/json");
      req.body() = body;
    }
    req.prepare_payload();
    http::write(stream, req);
    beast::flat_buffer buffer;
    http::response<http::string_body> res;
    const auto sent = std::chrono::steady_clock::now();
    spdlog::debug("api: {} http://{}{}", method, api, target);
    http::read(stream, buffer, res);
    spdlog::debug(
        "api: {} {} in {} ms, {} bytes", res.result_int(), res.reason(),
        std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - sent)
            .count(),
        res.body().size());
    beast::error_code ec;
    stream.socket().shutdown(asio::ip::tcp::socket::shutdown_both, ec);
    return ApiReply{res.result_int(), res.body()};
  } catch (const boost::system::system_error& e) {
    return fail("cannot reach the daemon's API at " + api + ": " + e.code().message() +
                " (is `hyphae daemon` running? see --api)");
  }
}

}  // namespace hyphae::cli
