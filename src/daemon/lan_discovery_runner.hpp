// Drives a discovery::LanDiscovery (sans-IO) with a runtime::BeaconSocket and
// a timer on the daemon's io_context; every Discovered event goes to a
// callback (the daemon hands it to Node::on_lan_peer).
#pragma once

#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>
#include <functional>

#include "discovery/lan_discovery.hpp"
#include "runtime/beacon_socket.hpp"

namespace hyphae::daemon {

class LanDiscoveryRunner {
 public:
  using OnDiscovered = std::function<void(Instant now, const discovery::Discovered&)>;

  // Throws boost::system::system_error when the beacon port cannot be bound.
  LanDiscoveryRunner(boost::asio::io_context& io, const discovery::LanDiscoveryConfig& config,
                     const crypto::Identity& identity, Rng rng, std::uint64_t boot_id,
                     const runtime::BeaconSocketOptions& socket_options, OnDiscovered on_discovered);

  void start();
  void stop();

  const discovery::LanDiscovery& core() const { return core_; }
  const runtime::BeaconSocket& socket() const { return socket_; }

 private:
  void drain(Instant now);
  void rearm();

  discovery::LanDiscovery core_;
  runtime::BeaconSocket socket_;
  boost::asio::steady_timer timer_;
  OnDiscovered on_discovered_;
  bool stopped_ = false;
};

}  // namespace hyphae::daemon
