// Drives routing::BabelInterface (sans-IO) for the [[babel]] tables of the
// config: one UDP socket on port 6696 per interface (SO_BINDTODEVICE, joined
// to ff02::1:6, multicast hop limit 1, no multicast loopback, so packets leave
// with the interface's link-local source), and a timer. Interface mode keeps
// its own Router (docs/routing.md, "Interface mode"): every `redistribute`
// period the daemon's mesh destinations are announced on the Babel side, and
// the routes learnt there are listed by GET /api/mesh/routes.
#pragma once

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/udp.hpp>
#include <boost/asio/steady_timer.hpp>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "daemon/config.hpp"
#include "routing/babel_interface.hpp"

namespace hyphae::daemon {

// The interfaces of `config.babel` that are missing or have no IPv6
// link-local address, as `file:line: ...` (empty: all fine).
std::string check_babel_interfaces(const Config& config);

class BabelRunner {
 public:
  // Destinations to announce (mesh prefixes with their metric), asked for
  // on every tick.
  using MeshPrefixes = std::function<std::map<routing::Prefix, std::uint16_t>()>;

  // Throws std::runtime_error naming the interface when a socket cannot be
  // set up (check_babel_interfaces() catches the usual mistakes first).
  BabelRunner(boost::asio::io_context& io, const std::vector<BabelSettings>& settings, routing::RouterId self,
              Rng rng, MeshPrefixes mesh_prefixes);
  ~BabelRunner();

  void start();
  void stop();

  const routing::BabelInterface& core() const { return core_; }
  // The interface name for an index of ours ("?" if unknown).
  std::string interface_name(std::uint32_t ifindex) const {
    auto it = names_.find(ifindex);
    return it != names_.end() ? it->second : std::string("?");
  }

 private:
  struct Socket;
  void tick();
  void drain();
  void rearm();
  void receive(Socket& s);
  void redistribute(Instant now);

  routing::BabelInterface core_;
  std::vector<std::unique_ptr<Socket>> sockets_;
  std::map<std::uint32_t, std::string> names_;          // interface index -> name
  std::map<routing::Prefix, std::uint16_t> extra_;      // `announce` from the config
  std::map<routing::Prefix, std::uint16_t> announced_;  // in the core now
  MeshPrefixes mesh_prefixes_;
  boost::asio::steady_timer timer_;
  Instant next_redistribute_;
  bool stopped_ = false;
};

}  // namespace hyphae::daemon
