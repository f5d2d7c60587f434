// The LAN beacon socket (docs/discovery.md §6): the I/O half of
// discovery::LanDiscovery. It sends each beacon to every broadcast and
// link-local multicast destination this host has, and hands every datagram
// received on the beacon port to a callback. It never interprets the bytes;
// the sans-IO core decodes, rate-limits and counts them.
//
// Sockets: IPv4 0.0.0.0:<port> with SO_BROADCAST; IPv6 [::]:<port> (v6 only)
// joined to ff02::1 on every up, multicast-capable interface. Both set
// SO_REUSEADDR so several nodes on one host can listen to the same port.
// A beacon goes to 255.255.255.255, to each interface's IPv4 broadcast address
// and to ff02::1%<interface>, so receivers usually get it more than once; the
// core drops the copies as `duplicate`. Interfaces are re-read on every send,
// so a new interface is used from the next beacon on.
//
// Failures on one interface (down, no route, join refused) are logged at
// debug and skipped: discovery is best effort and must never stop the node.
// Only failing to bind the IPv4 socket is fatal (the constructor throws).
//
// Limitation: Endpoint has no IPv6 scope id, so a link-local (fe80::) source
// reaches the callback without its interface; IPv4 sources are unaffected.
#pragma once

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/udp.hpp>
#include <cstdint>
#include <functional>
#include <optional>
#include <set>

#include "base/bytes.hpp"
#include "base/endpoint.hpp"
#include "discovery/beacon.hpp"

namespace hyphae::runtime {

struct BeaconSocketOptions {
  std::uint16_t port = discovery::kDefaultBeaconPort;  // 0: any free port (tests)
  // Also send over loopback interfaces (to 127.0.0.1 and ::1, which have no
  // broadcast): for tests and several nodes on one host.
  bool include_loopback = false;
  bool ipv6 = true;  // also listen and send on IPv6 (ff02::1)
};

class BeaconSocket {
 public:
  using Handler = std::function<void(const Endpoint& from, ByteView datagram)>;

  // Opens and binds the sockets; receiving starts with start(). Throws
  // boost::system::system_error if the IPv4 socket cannot be bound.
  BeaconSocket(boost::asio::io_context& io, const BeaconSocketOptions& options, Handler on_datagram);

  void start();
  void stop();
  // Sends one beacon to every destination; returns how many sends succeeded.
  std::size_t send(ByteView beacon);

  // The bound port (the chosen one if options.port was 0).
  [[nodiscard]] std::uint16_t port() const { return port_; }
  [[nodiscard]] bool has_ipv6() const { return v6_.has_value(); }
  [[nodiscard]] std::uint64_t send_errors() const { return send_errors_; }

 private:
  void receive(boost::asio::ip::udp::socket& socket, boost::asio::ip::udp::endpoint& sender, Bytes& buffer);
  void send_to(boost::asio::ip::udp::socket& socket, ByteView beacon,
               const boost::asio::ip::udp::endpoint& to, std::size_t& sent);
  void join(unsigned interface_index);

  BeaconSocketOptions options_;
  Handler on_datagram_;
  boost::asio::ip::udp::socket v4_;
  std::optional<boost::asio::ip::udp::socket> v6_;
  std::uint16_t port_ = 0;
  std::set<unsigned> joined_;  // interface indexes the IPv6 socket joined ff02::1 on
  Bytes buffer4_, buffer6_;
  boost::asio::ip::udp::endpoint sender4_, sender6_;
  std::uint64_t send_errors_ = 0;
  bool stopped_ = false;
};

}  // namespace hyphae::runtime
