#include "runtime/beacon_socket.hpp"

#include <ifaddrs.h>
#include <net/if.h>
#include <netinet/in.h>
#include <spdlog/spdlog.h>

#include <boost/asio/ip/multicast.hpp>
#include <boost/asio/ip/v6_only.hpp>
#include <boost/asio/socket_base.hpp>
#include <cerrno>
#include <cstring>
#include <memory>

#include "runtime/asio_endpoint.hpp"

namespace hyphae::runtime {
namespace asio = boost::asio;
using asio::ip::udp;

namespace {

// One byte more than a beacon, so an oversized datagram reaches the core
// whole enough to be counted as bad_length instead of silently truncated.
constexpr std::size_t kReceiveBuffer = discovery::kBeaconSize + 1;

const asio::ip::address_v6 kAllNodes = asio::ip::make_address_v6("ff02::1");

struct Destinations {
  std::set<asio::ip::address_v4> v4;  // broadcast addresses (or 127.0.0.1 for loopback)
  std::set<unsigned> v6_interfaces;   // indexes to send ff02::1%index on
  bool v6_loopback = false;           // send to ::1 as well
};

// The interfaces as they are now. getifaddrs on every send: beacons are
// rare (every 5 s) and interfaces come and go (Wi-Fi, VPNs, namespaces).
Destinations scan_interfaces(bool include_loopback) {
  Destinations out;
  ifaddrs* list = nullptr;
  if (::getifaddrs(&list) != 0) {
    spdlog::debug("beacon: getifaddrs failed: {}", std::strerror(errno));
    return out;
  }
  const std::unique_ptr<ifaddrs, decltype(&::freeifaddrs)> owner(list, &::freeifaddrs);
  for (const ifaddrs* ifa = list; ifa != nullptr; ifa = ifa->ifa_next) {
    if (ifa->ifa_addr == nullptr || (ifa->ifa_flags & IFF_UP) == 0) continue;
    const bool loopback = (ifa->ifa_flags & IFF_LOOPBACK) != 0;
    if (loopback && !include_loopback) continue;
    const int family = ifa->ifa_addr->sa_family;
    if (family == AF_INET) {
      if (loopback) {
        out.v4.insert(asio::ip::address_v4::loopback());
      } else if ((ifa->ifa_flags & IFF_BROADCAST) != 0 && ifa->ifa_broadaddr != nullptr) {
        const auto* sin = reinterpret_cast<const sockaddr_in*>(ifa->ifa_broadaddr);
        out.v4.insert(asio::ip::address_v4(ntohl(sin->sin_addr.s_addr)));
      }
    } else if (family == AF_INET6) {
      if (loopback) {
        out.v6_loopback = true;
      } else if ((ifa->ifa_flags & IFF_MULTICAST) != 0) {
        if (const unsigned index = ::if_nametoindex(ifa->ifa_name); index != 0)
          out.v6_interfaces.insert(index);
      }
    }
  }
  return out;
}

}  // namespace

BeaconSocket::BeaconSocket(asio::io_context& io, const BeaconSocketOptions& options, Handler on_datagram)
    : options_(options),
      on_datagram_(std::move(on_datagram)),
      v4_(io, udp::v4()),
      buffer4_(kReceiveBuffer),
      buffer6_(kReceiveBuffer) {
  v4_.set_option(asio::socket_base::reuse_address(true));
  v4_.set_option(asio::socket_base::broadcast(true));
  v4_.bind({asio::ip::address_v4::any(), options_.port});
  port_ = v4_.local_endpoint().port();
  if (!options_.ipv6) return;

  // IPv6 is optional: a host without it (or with it disabled) still
  // discovers over IPv4.
  boost::system::error_code ec;
  udp::socket v6(io);
  v6.open(udp::v6(), ec);
  if (!ec) v6.set_option(asio::ip::v6_only(true), ec);
  if (!ec) v6.set_option(asio::socket_base::reuse_address(true), ec);
  if (!ec) v6.bind({asio::ip::address_v6::any(), port_}, ec);
  if (ec) {
    spdlog::debug("beacon: no IPv6 socket on port {}: {}", port_, ec.message());
    return;
  }
  v6_.emplace(std::move(v6));
  for (const unsigned index : scan_interfaces(options_.include_loopback).v6_interfaces) join(index);
}

void BeaconSocket::join(unsigned interface_index) {
  if (!v6_ || joined_.contains(interface_index)) return;
  boost::system::error_code ec;
  v6_->set_option(asio::ip::multicast::join_group(kAllNodes, interface_index), ec);
  if (ec) {
    spdlog::debug("beacon: joining ff02::1 on interface {} failed: {}", interface_index, ec.message());
    return;
  }
  joined_.insert(interface_index);
}

void BeaconSocket::start() {
  receive(v4_, sender4_, buffer4_);
  if (v6_) receive(*v6_, sender6_, buffer6_);
}

void BeaconSocket::stop() {
  stopped_ = true;
  boost::system::error_code ec;
  v4_.close(ec);
  if (v6_) v6_->close(ec);
}

void BeaconSocket::receive(udp::socket& socket, udp::endpoint& sender, Bytes& buffer) {
  socket.async_receive_from(
      asio::buffer(buffer), sender,
      [this, &socket, &sender, &buffer](const boost::system::error_code& ec, std::size_t n) {
        if (stopped_ || ec == asio::error::operation_aborted) return;
        if (ec) {
          // ICMP errors from earlier sends land here; not fatal.
          spdlog::debug("beacon: receive: {}", ec.message());
        } else if (on_datagram_) {
          on_datagram_(from_asio(sender), ByteView(buffer.data(), n));
        }
        receive(socket, sender, buffer);
      });
}

void BeaconSocket::send_to(udp::socket& socket, ByteView beacon, const udp::endpoint& to, std::size_t& sent) {
  boost::system::error_code ec;
  socket.send_to(asio::buffer(beacon.data(), beacon.size()), to, 0, ec);
  if (ec) {
    send_errors_ += 1;
    spdlog::debug("beacon: send to {} failed: {}", from_asio(to).to_string(), ec.message());
    return;
  }
  sent += 1;
}

std::size_t BeaconSocket::send(ByteView beacon) {
  if (stopped_) return 0;
  const Destinations d = scan_interfaces(options_.include_loopback);
  std::size_t sent = 0;
  send_to(v4_, beacon, {asio::ip::address_v4::broadcast(), port_}, sent);
  for (const auto& address : d.v4) send_to(v4_, beacon, {address, port_}, sent);
  if (v6_) {
    for (const unsigned index : d.v6_interfaces) {
      join(index);  // an interface that appeared since the last beacon
      asio::ip::address_v6 group = kAllNodes;
      group.scope_id(index);  // link-local multicast leaves through this interface
      send_to(*v6_, beacon, {group, port_}, sent);
    }
    if (d.v6_loopback) send_to(*v6_, beacon, {asio::ip::address_v6::loopback(), port_}, sent);
  }
  return sent;
}

}  // namespace hyphae::runtime
