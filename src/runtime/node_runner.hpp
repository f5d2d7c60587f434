// Drives one node::Node with real sockets and time on an Asio io_context: the
// real-world twin of the simulator's driver. Single-threaded: everything that
// touches the node runs on the io_context's one thread.
#pragma once

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/udp.hpp>
#include <boost/asio/steady_timer.hpp>
#include <cstdint>
#include <functional>

#include "base/bytes.hpp"
#include "node/node.hpp"

namespace hyphae::runtime {

class NodeRunner {
 public:
  using EventHandler = std::function<void(const node::NodeEvent&)>;
  // Sees every datagram sent and received (for tests and debugging captures).
  using Tap = std::function<void(bool outbound, const Endpoint& peer, ByteView datagram)>;

  NodeRunner(boost::asio::io_context& io, node::Node& node, boost::asio::ip::udp::socket socket,
             EventHandler on_event);

  void start();
  void stop();
  void set_tap(Tap tap) { tap_ = std::move(tap); }

  // Runs `f(node, now)` and then drains the node, as every input must.
  template <class F>
  auto with_node(F&& f) {
    if constexpr (std::is_void_v<decltype(f(node_, Instant{}))>) {
      f(node_, now());
      drain();
    } else {
      auto result = f(node_, now());
      drain();
      return result;
    }
  }

  boost::asio::ip::udp::endpoint local_endpoint() const { return socket_.local_endpoint(); }
  std::uint64_t send_errors() const { return send_errors_; }

 private:
  Instant now() const;
  void receive();
  void drain();
  void rearm();

  boost::asio::io_context& io_;
  node::Node& node_;
  boost::asio::ip::udp::socket socket_;
  bool socket_is_v6_;
  boost::asio::steady_timer timer_;
  std::optional<Instant> armed_for_;
  EventHandler on_event_;
  Tap tap_;
  Bytes buffer_;
  boost::asio::ip::udp::endpoint sender_;
  std::uint64_t send_errors_ = 0;
  bool stopped_ = false;
};

// Opens a UDP socket bound to `bind` with large buffers (a mesh node is mostly I/O).
boost::asio::ip::udp::socket open_udp_socket(boost::asio::io_context& io,
                                             const boost::asio::ip::udp::endpoint& bind);

}  // namespace hyphae::runtime
