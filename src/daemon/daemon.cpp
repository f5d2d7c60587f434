#include "daemon/daemon.hpp"

#include <fmt/chrono.h>
#include <sodium.h>
#include <spdlog/spdlog.h>

#include <boost/asio/io_context.hpp>
#include <boost/asio/signal_set.hpp>
#include <chrono>

#include "base/rng.hpp"
#include "daemon/api.hpp"
#include "daemon/http_server.hpp"
#include "daemon/inbox.hpp"
#include "runtime/asio_endpoint.hpp"
#include "runtime/clock.hpp"
#include "runtime/key_file.hpp"
#include "runtime/node_runner.hpp"

namespace hyphae::daemon {
namespace asio = boost::asio;

namespace {

std::string utc_now_rfc3339() {
  const auto now = std::chrono::system_clock::now();
  const auto ms =
      std::chrono::duration_cast<std::chrono::milliseconds>(now.time_since_epoch()).count() % 1000;
  return fmt::format("{:%Y-%m-%dT%H:%M:%S}.{:03}Z", fmt::gmtime(std::chrono::system_clock::to_time_t(now)),
                     ms);
}

std::uint64_t seed_from_os() {
  std::uint64_t seed = 0;
  randombytes_buf(&seed, sizeof seed);
  return seed;
}

// What the daemon does with each node event: received messages go to the
// inbox journal (fsync'd before the runner sends their acks); the rest is logged.
void handle_event(Inbox& inbox, const node::NodeEvent& event) {
  std::visit(
      [&](const auto& e) {
        using E = std::decay_t<decltype(e)>;
        if constexpr (std::is_same_v<E, node::PeerConnected>) {
          spdlog::info("peer connected node_id={} address={}", e.id.to_string(), e.address.to_string());
        } else if constexpr (std::is_same_v<E, node::PeerLost>) {
          spdlog::info("peer lost node_id={} reason={}", e.id.to_string(), e.reason);
        } else if constexpr (std::is_same_v<E, node::MessageReceived>) {
          auto r = inbox.append(InboxEntry{.id = fmt::format("{:016x}", e.id),
                                           .from = e.from.to_string(),
                                           .type = std::string(wire::name(e.type)),
                                           .priority = std::string(wire::name(e.priority)),
                                           .payload = std::string(as_chars(e.payload)),
                                           .received_at = utc_now_rfc3339()});
          if (!r) spdlog::error("inbox write failed: {}", r.error());
          spdlog::debug("message received id={:016x} from={}", e.id, e.from.to_string());
        } else if constexpr (std::is_same_v<E, node::MessageAcked>) {
          spdlog::debug("message acked id={:016x} latency_ms={:.3f}", e.id, e.latency.ms());
        } else if constexpr (std::is_same_v<E, node::MessageFailed>) {
          spdlog::warn("message failed id={:016x} to={} reason={}", e.id, e.to.to_string(), e.reason);
        }
      },
      event);
}

}  // namespace

int run_daemon(const Config& config) {
  crypto::SodiumKeySource keys;
  auto identity = runtime::load_or_create_identity(config.identity, keys);
  if (!identity) {
    spdlog::error("{}", identity.error());
    return 1;
  }
  auto inbox = Inbox::open(config.data_dir / "inbox.jsonl");
  if (!inbox) {
    spdlog::error("cannot open inbox: {}", inbox.error());
    return 1;
  }

  asio::io_context io;
  asio::ip::udp::socket socket(io);
  try {
    socket = runtime::open_udp_socket(io, runtime::to_asio(config.listen, !config.listen.is_v4()));
  } catch (const boost::system::system_error& e) {
    spdlog::error("cannot listen on {}: {}", config.listen.to_string(), e.code().message());
    return 1;
  }
  const auto bound = runtime::from_asio(socket.local_endpoint());

  node::NodeConfig node_config;
  node_config.mesh_port = bound.port;
  node_config.network_psk = config.network_psk;
  const Instant started = runtime::monotonic_now();
  node::Node node(node_config, *identity, keys, Rng{seed_from_os()}, started);

  runtime::NodeRunner runner(io, node, std::move(socket),
                             [&](const node::NodeEvent& event) { handle_event(*inbox, event); });

  asio::ip::tcp::acceptor acceptor(io);
  try {
    const auto api = runtime::to_asio(config.api, !config.api.is_v4());
    asio::ip::tcp::endpoint api_endpoint(api.address(), api.port());
    acceptor.open(api_endpoint.protocol());
    acceptor.set_option(asio::socket_base::reuse_address(true));
    acceptor.bind(api_endpoint);
    acceptor.listen();
  } catch (const boost::system::system_error& e) {
    spdlog::error("cannot serve the API on {}: {}", config.api.to_string(), e.code().message());
    return 1;
  }
  ApiContext api_ctx{.runner = runner,
                     .inbox = *inbox,
                     .node_id = identity->id.to_string(),
                     .listen = bound.to_string(),
                     .api_token = config.api_token,
                     .started_at = started};
  start_http_server(acceptor, [&](const HttpRequest& req) { return handle_api(api_ctx, req); });

  runner.start();
  runner.with_node([&](node::Node& n, Instant now) {
    for (const auto& peer : config.peers) n.dial(now, peer);
  });

  asio::signal_set signals(io, SIGINT, SIGTERM);
  signals.async_wait([&](const boost::system::error_code&, int signal) {
    spdlog::info("stopping on signal {}", signal);
    runner.with_node([](node::Node& n, Instant now) { n.close_all(now); });  // drains: the Closes go out
    runner.stop();
    boost::system::error_code ec;
    acceptor.close(ec);
    io.stop();
  });

  // One line on stdout so scripts and people know the node is ready and who it is.
  fmt::print("hyphae node {} listening on {} (api http://{})\n", identity->id.to_string(), bound.to_string(),
             config.api.to_string());
  (void)std::fflush(stdout);
  io.run();
  return 0;
}

}  // namespace hyphae::daemon
