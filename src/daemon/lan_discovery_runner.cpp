#include "daemon/lan_discovery_runner.hpp"

#include <spdlog/spdlog.h>

#include <chrono>

#include "runtime/clock.hpp"

namespace hyphae::daemon {

LanDiscoveryRunner::LanDiscoveryRunner(boost::asio::io_context& io,
                                       const discovery::LanDiscoveryConfig& config,
                                       const crypto::Identity& identity, Rng rng, std::uint64_t boot_id,
                                       const runtime::BeaconSocketOptions& socket_options,
                                       OnDiscovered on_discovered)
    : core_(config, identity, rng, boot_id, runtime::monotonic_now()),
      socket_(io, socket_options,
              [this](const Endpoint& from, ByteView datagram) {
                if (stopped_) return;
                const Instant now = runtime::monotonic_now();
                core_.on_beacon(now, from, datagram);
                drain(now);
              }),
      timer_(io),
      on_discovered_(std::move(on_discovered)) {}

void LanDiscoveryRunner::start() {
  socket_.start();
  const Instant now = runtime::monotonic_now();
  core_.on_tick(now);
  drain(now);
}

void LanDiscoveryRunner::stop() {
  stopped_ = true;
  timer_.cancel();
  socket_.stop();
}

void LanDiscoveryRunner::drain(Instant now) {
  if (stopped_) return;
  if (auto beacon = core_.poll_beacon()) socket_.send(*beacon);
  while (auto e = core_.poll_event()) {
    if (const auto* d = std::get_if<discovery::Discovered>(&*e)) {
      if (!d->mesh_address.is_v4() && d->mesh_address.ip[0] == 0xfe &&
          (d->mesh_address.ip[1] & 0xc0) == 0x80) {
        // Link-local without its interface (Endpoint has no scope id): not dialable.
        spdlog::debug("lan peer {} heard only at link-local {}; ignored", d->id.to_string(),
                      d->mesh_address.to_string());
        continue;
      }
      if (d->is_new) {
        spdlog::info("lan peer discovered node_id={} address={}", d->id.to_string(),
                     d->mesh_address.to_string());
      }
      if (on_discovered_) on_discovered_(now, *d);
    } else if (const auto* x = std::get_if<discovery::Expired>(&*e)) {
      spdlog::info("lan peer expired node_id={}", x->id.to_string());
    }
  }
  rearm();
}

void LanDiscoveryRunner::rearm() {
  const Duration wait = core_.poll_deadline() - runtime::monotonic_now();
  timer_.expires_after(std::chrono::nanoseconds(std::max<std::int64_t>(wait.ns, 0)));
  timer_.async_wait([this](const boost::system::error_code& ec) {
    if (ec || stopped_) return;
    const Instant now = runtime::monotonic_now();
    core_.on_tick(now);
    drain(now);
  });
}

}  // namespace hyphae::daemon
