#include "discovery/lan_discovery.hpp"

#include <algorithm>
#include <cmath>

#include "base/assert.hpp"

namespace hyphae::discovery {

LanDiscovery::LanDiscovery(const LanDiscoveryConfig& config, const crypto::Identity& identity, Rng rng,
                           std::uint64_t boot_id, Instant now)
    : config_(config),
      identity_(identity),
      rng_(rng),
      boot_id_(boot_id),
      last_now_(now),
      next_beacon_at_(now),
      limiter_(config.rate_limit) {
  HYPHAE_ASSERT(config_.mesh_port != 0);
  HYPHAE_ASSERT(config_.interval > Duration{});
  HYPHAE_ASSERT(config_.expiry > config_.interval);  // else peers expire between their beacons
  HYPHAE_ASSERT(config_.peers_max >= 1);
}

void LanDiscovery::advance(Instant now) {
  HYPHAE_ASSERT(now >= last_now_);
  last_now_ = now;
}

void LanDiscovery::on_beacon(Instant now, const Endpoint& from, ByteView datagram) {
  advance(now);
  // The rate limit comes before decoding: its job is to bound the signature
  // checks a sender can make us do.
  if (!limiter_.allow(now, from)) return drop(BeaconDrop::rate_limited);
  auto beacon = decode_beacon(datagram);
  if (!beacon) return drop(beacon.error());
  if (beacon->id == identity_.id) return drop(BeaconDrop::self);
  accept(now, from, *beacon);
}

std::optional<BeaconDrop> LanDiscovery::check_replay(Peer& peer, const Beacon& b) {
  if (b.boot_id == peer.boot_id) {
    if (b.seq == peer.seq) return BeaconDrop::duplicate;
    if (b.seq < peer.seq) return BeaconDrop::replayed;
    peer.seq = b.seq;
    return std::nullopt;
  }
  // Boot ids are random, so they have no order. A boot we saw the node leave
  // is over; accepting it again would let anyone who recorded an old beacon
  // roll the node back to it, and flip-flop between boots forever.
  const auto retired = std::span(peer.retired).first(peer.retired_count);
  if (std::ranges::find(retired, b.boot_id) != retired.end()) return BeaconDrop::replayed;
  if (peer.retired_count < kRetiredBoots) {
    peer.retired[peer.retired_count++] = peer.boot_id;
  } else {
    std::shift_left(peer.retired.begin(), peer.retired.end(), 1);
    peer.retired.back() = peer.boot_id;
  }
  peer.boot_id = b.boot_id;
  peer.seq = b.seq;
  return std::nullopt;
}

void LanDiscovery::accept(Instant now, const Endpoint& from, const Beacon& b) {
  Endpoint address = from;
  address.port = b.mesh_port;

  auto it = peers_.find(b.id);
  const bool is_new = it == peers_.end();
  if (is_new) {
    if (peers_.size() == config_.peers_max) {
      // Full: the least recently heard peer goes, as if it had expired now.
      // A live peer refreshes every interval, so under a flood of fresh ids the
      // ones that fall out are the quiet ones.
      auto oldest = peers_.find(by_age_.begin()->second);
      HYPHAE_ASSERT(oldest != peers_.end());
      push(Expired{oldest->first});
      remove(oldest);
      counters_.evicted += 1;
    }
    it = peers_
             .emplace(b.id,
                      Peer{.mesh_address = address, .last_heard = now, .boot_id = b.boot_id, .seq = b.seq})
             .first;
  } else {
    if (auto why = check_replay(it->second, b)) return drop(*why);
    by_age_.erase({it->second.last_heard, b.id});
    it->second.mesh_address = address;
    it->second.last_heard = now;
  }
  by_age_.insert({now, b.id});
  HYPHAE_ASSERT(peers_.size() == by_age_.size());
  HYPHAE_ASSERT(peers_.size() <= config_.peers_max);
  counters_.received += 1;
  push(Discovered{b.id, address, is_new});
}

void LanDiscovery::remove(std::map<crypto::NodeId, Peer>::iterator it) {
  const std::size_t erased = by_age_.erase({it->second.last_heard, it->first});
  HYPHAE_ASSERT(erased == 1);
  peers_.erase(it);
}

void LanDiscovery::push(DiscoveryEvent e) {
  if (events_.size() == 2 * config_.peers_max) {
    events_.pop_front();
    counters_.events_dropped += 1;
  }
  events_.push_back(std::move(e));
}

void LanDiscovery::schedule_beacon(Instant now) {
  // Jitter keeps nodes that booted together from beaconing in lockstep.
  const double factor = 0.9 + 0.2 * rng_.unit();
  const auto period =
      static_cast<std::int64_t>(std::llround(static_cast<double>(config_.interval.ns) * factor));
  next_beacon_at_ = now + nanoseconds(std::max<std::int64_t>(period, 1));
}

void LanDiscovery::on_tick(Instant now) {
  advance(now);
  while (!by_age_.empty() && by_age_.begin()->first + config_.expiry <= now) {
    auto it = peers_.find(by_age_.begin()->second);
    HYPHAE_ASSERT(it != peers_.end());
    push(Expired{it->first});
    remove(it);
  }
  if (now >= next_beacon_at_) {
    beacon_ = encode_beacon(identity_, config_.mesh_port, boot_id_, next_seq_++);
    counters_.sent += 1;
    // From now, not from the missed deadline: a late tick must not cause a burst.
    schedule_beacon(now);
  }
}

std::optional<Bytes> LanDiscovery::poll_beacon() { return std::exchange(beacon_, std::nullopt); }

std::optional<DiscoveryEvent> LanDiscovery::poll_event() {
  if (events_.empty()) return std::nullopt;
  DiscoveryEvent e = std::move(events_.front());
  events_.pop_front();
  return e;
}

Instant LanDiscovery::poll_deadline() const {
  if (by_age_.empty()) return next_beacon_at_;
  return std::min(next_beacon_at_, by_age_.begin()->first + config_.expiry);
}

std::vector<LanPeer> LanDiscovery::known() const {
  std::vector<LanPeer> out;
  out.reserve(peers_.size());
  for (const auto& [id, p] : peers_) out.push_back({id, p.mesh_address, p.last_heard});
  return out;
}

}  // namespace hyphae::discovery
