#include "daemon/babel_runner.hpp"

#include <fmt/format.h>
#include <ifaddrs.h>
#include <net/if.h>
#include <netinet/in.h>
#include <spdlog/spdlog.h>
#include <sys/socket.h>

#include <boost/asio/ip/multicast.hpp>
#include <boost/asio/ip/v6_only.hpp>
#include <chrono>
#include <cstring>
#include <optional>
#include <stdexcept>

#include "runtime/clock.hpp"

namespace hyphae::daemon {
namespace asio = boost::asio;
using asio::ip::udp;

namespace {

const asio::ip::address_v6 kBabelGroup = asio::ip::make_address_v6("ff02::1:6");
constexpr Duration kRedistributeInterval = seconds(1);
// A Babel packet on a link is at most the link MTU; 64 KiB covers any.
constexpr std::size_t kReceiveBuffer = 65536;

std::optional<routing::Address> link_local_of(const std::string& name) {
  ifaddrs* list = nullptr;
  if (::getifaddrs(&list) != 0) return std::nullopt;
  std::optional<routing::Address> out;
  for (const ifaddrs* ifa = list; ifa != nullptr; ifa = ifa->ifa_next) {
    if (ifa->ifa_addr == nullptr || ifa->ifa_addr->sa_family != AF_INET6 || name != ifa->ifa_name) continue;
    const auto* sin6 = reinterpret_cast<const sockaddr_in6*>(ifa->ifa_addr);
    routing::Address a{};
    std::memcpy(a.data(), &sin6->sin6_addr, 16);
    if (routing::is_link_local(a)) {
      out = a;
      break;
    }
  }
  ::freeifaddrs(list);
  return out;
}

std::string where(const Config& config, const BabelSettings& b) {
  return fmt::format("{}:{}", config.source.string(), b.line);
}

}  // namespace

std::string check_babel_interfaces(const Config& config) {
  for (const auto& b : config.babel) {
    if (::if_nametoindex(b.interface.c_str()) == 0) {
      return fmt::format("{}: [[babel]] interface = \"{}\": no such network interface", where(config, b),
                         b.interface);
    }
    if (!link_local_of(b.interface)) {
      return fmt::format(
          "{}: [[babel]] interface = \"{}\" has no IPv6 link-local address (is it up, with IPv6?)",
          where(config, b), b.interface);
    }
  }
  return {};
}

struct BabelRunner::Socket {
  Socket(asio::io_context& io, std::string n, std::uint32_t i) : name(std::move(n)), ifindex(i), socket(io) {}
  std::string name;
  std::uint32_t ifindex;
  udp::socket socket;
  udp::endpoint sender;
  Bytes buffer = Bytes(kReceiveBuffer);
};

BabelRunner::BabelRunner(asio::io_context& io, const std::vector<BabelSettings>& settings,
                         routing::RouterId self, Rng rng, MeshPrefixes mesh_prefixes)
    : core_(routing::BabelInterfaceConfig{}, self, std::move(rng), runtime::monotonic_now()),
      mesh_prefixes_(std::move(mesh_prefixes)),
      timer_(io) {
  const Instant now = runtime::monotonic_now();
  for (const auto& b : settings) {
    const unsigned ifindex = ::if_nametoindex(b.interface.c_str());
    const auto ll = link_local_of(b.interface);
    if (ifindex == 0 || !ll)
      throw std::runtime_error(fmt::format("babel: no usable interface {}", b.interface));
    auto s = std::make_unique<Socket>(io, b.interface, ifindex);
    try {
      s->socket.open(udp::v6());
      s->socket.set_option(asio::ip::v6_only(true));
      s->socket.set_option(asio::socket_base::reuse_address(true));
      // Bound to the device: this socket hears and speaks on this link only
      // (babeld's routers on other links are not our neighbours through it).
      if (::setsockopt(s->socket.native_handle(), SOL_SOCKET, SO_BINDTODEVICE, b.interface.c_str(),
                       static_cast<socklen_t>(b.interface.size())) != 0) {
        throw std::runtime_error(fmt::format("SO_BINDTODEVICE: {}", std::strerror(errno)));
      }
      s->socket.bind(udp::endpoint(asio::ip::address_v6::any(), routing::kBabelPort));
      s->socket.set_option(asio::ip::multicast::join_group(kBabelGroup, ifindex));
      s->socket.set_option(asio::ip::multicast::outbound_interface(ifindex));
      s->socket.set_option(asio::ip::multicast::hops(1));
      s->socket.set_option(asio::ip::multicast::enable_loopback(false));
      const int hops = 1;  // unicast too: Babel never leaves the link
      ::setsockopt(s->socket.native_handle(), IPPROTO_IPV6, IPV6_UNICAST_HOPS, &hops, sizeof hops);
    } catch (const boost::system::system_error& e) {
      throw std::runtime_error(fmt::format("babel on {}: {}", b.interface, e.code().message()));
    }
    core_.add_interface(now, ifindex, *ll, b.hello_interval);
    for (const auto& p : b.announce) extra_[p] = 0;
    spdlog::info("babel: speaking on {} (index {}, {}), hello every {} ms", b.interface, ifindex,
                 routing::address_to_string(*ll), b.hello_interval.ns / 1'000'000);
    names_[ifindex] = b.interface;
    sockets_.push_back(std::move(s));
  }
  next_redistribute_ = now;
}

BabelRunner::~BabelRunner() { stop(); }

void BabelRunner::start() {
  for (auto& s : sockets_) receive(*s);
  tick();
}

void BabelRunner::stop() {
  if (stopped_) return;
  stopped_ = true;
  timer_.cancel();
  boost::system::error_code ec;
  for (auto& s : sockets_) s->socket.close(ec);
}

void BabelRunner::receive(Socket& s) {
  s.socket.async_receive_from(asio::buffer(s.buffer), s.sender,
                              [this, &s](const boost::system::error_code& ec, std::size_t n) {
                                if (stopped_ || ec == asio::error::operation_aborted) return;
                                if (ec) {
                                  spdlog::debug("babel: receive on {}: {}", s.name, ec.message());
                                } else if (s.sender.address().is_v6()) {
                                  const auto bytes = s.sender.address().to_v6().to_bytes();
                                  routing::Address from{};
                                  std::copy(bytes.begin(), bytes.end(), from.begin());
                                  const Instant now = runtime::monotonic_now();
                                  core_.on_datagram(now, s.ifindex, from, ByteView(s.buffer.data(), n));
                                  drain();
                                  rearm();
                                }
                                receive(s);
                              });
}

void BabelRunner::redistribute(Instant now) {
  // The mesh's destinations (our own /128 among them) plus the configured
  // extras; a metric change re-announces, a vanished one is withdrawn.
  std::map<routing::Prefix, std::uint16_t> want = extra_;
  if (mesh_prefixes_) {
    for (const auto& [p, metric] : mesh_prefixes_()) {
      if (!p.is_v4() && metric < routing::kInfinity) want.try_emplace(p, metric);
    }
  }
  for (auto it = announced_.begin(); it != announced_.end();) {
    if (!want.contains(it->first)) {
      core_.withdraw(now, it->first);
      it = announced_.erase(it);
    } else {
      ++it;
    }
  }
  for (const auto& [p, metric] : want) {
    auto it = announced_.find(p);
    if (it != announced_.end() && it->second == metric) continue;
    core_.announce(now, p, metric);
    announced_[p] = metric;
  }
}

void BabelRunner::tick() {
  if (stopped_) return;
  const Instant now = runtime::monotonic_now();
  if (now >= next_redistribute_) {
    redistribute(now);
    next_redistribute_ = now + kRedistributeInterval;
  }
  core_.on_tick(now);
  drain();
  rearm();
}

void BabelRunner::drain() {
  while (auto t = core_.poll_transmit()) {
    Socket* s = nullptr;
    for (auto& candidate : sockets_) {
      if (candidate->ifindex == t->ifindex) s = candidate.get();
    }
    if (s == nullptr) continue;
    asio::ip::address_v6 to = kBabelGroup;
    if (t->to) {
      asio::ip::address_v6::bytes_type b{};
      std::copy(t->to->begin(), t->to->end(), b.begin());
      to = asio::ip::address_v6(b, t->ifindex);
    } else {
      to.scope_id(t->ifindex);
    }
    boost::system::error_code ec;
    s->socket.send_to(asio::buffer(t->datagram), udp::endpoint(to, routing::kBabelPort), 0, ec);
    if (ec) spdlog::debug("babel: send on {}: {}", s->name, ec.message());
  }
  while (auto e = core_.poll_event()) {
    spdlog::info("babel route {} {} metric {}", routing::name(e->kind), e->destination.to_string(),
                 e->metric);
  }
}

void BabelRunner::rearm() {
  if (stopped_) return;
  Instant next = runtime::monotonic_now() + kRedistributeInterval;
  if (next_redistribute_ < next) next = next_redistribute_;
  if (auto d = core_.poll_deadline(); d && *d < next) next = *d;
  const Duration wait = next - runtime::monotonic_now();
  timer_.expires_after(std::chrono::nanoseconds(std::max<std::int64_t>(wait.ns, 0)));
  timer_.async_wait([this](const boost::system::error_code& ec) {
    if (!ec) tick();
  });
}

}  // namespace hyphae::daemon
