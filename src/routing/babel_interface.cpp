#include "routing/babel_interface.hpp"

#include <algorithm>
#include <variant>

#include "base/assert.hpp"

namespace hyphae::routing {
namespace {

std::uint16_t centiseconds_of(Duration d) {
  const std::int64_t cs = d.ns / 10'000'000;
  return static_cast<std::uint16_t>(std::clamp<std::int64_t>(cs, 1, 0xFFFF));
}

Duration from_centiseconds(std::uint16_t cs) { return milliseconds(10) * cs; }

// AE 3 carries only the interface-id half of fe80::/64; anything else in
// fe80::/10 needs the full address (AE 2).
Ae ae_for(const Address& a) {
  const bool fe80_64 = a[0] == 0xfe && a[1] == 0x80 &&
                       std::all_of(a.begin() + 2, a.begin() + 8, [](auto b) { return b == 0; });
  return fe80_64 ? Ae::ipv6_link_local : Ae::ipv6;
}

bool routing_tlv(const Tlv& tlv) {
  return std::holds_alternative<Update>(tlv) || std::holds_alternative<RouteRequest>(tlv) ||
         std::holds_alternative<SeqnoRequest>(tlv);
}

}  // namespace

NeighbourId babel_neighbour_id(std::uint32_t ifindex, const Address& link_local) {
  NeighbourId n;
  n.bytes[0] = static_cast<std::uint8_t>(ifindex >> 24);
  n.bytes[1] = static_cast<std::uint8_t>(ifindex >> 16);
  n.bytes[2] = static_cast<std::uint8_t>(ifindex >> 8);
  n.bytes[3] = static_cast<std::uint8_t>(ifindex);
  std::copy(link_local.begin(), link_local.end(), n.bytes.begin() + 4);
  return n;
}

std::pair<std::uint32_t, Address> split_babel_neighbour(const NeighbourId& n) {
  const std::uint32_t ifindex = (std::uint32_t{n.bytes[0]} << 24) | (std::uint32_t{n.bytes[1]} << 16) |
                                (std::uint32_t{n.bytes[2]} << 8) | std::uint32_t{n.bytes[3]};
  Address a{};
  std::copy(n.bytes.begin() + 4, n.bytes.end(), a.begin());
  return {ifindex, a};
}

bool is_link_local(const Address& a) { return a[0] == 0xfe && (a[1] & 0xc0) == 0x80; }

BabelInterface::BabelInterface(const BabelInterfaceConfig& config, RouterId self, Rng rng, Instant now)
    : config_(config), router_(config.router, self, std::move(rng), now) {
  HYPHAE_ASSERT(config_.hello_interval >= milliseconds(10));
  HYPHAE_ASSERT(config_.rxcost >= 1 && config_.rxcost < kInfinity);
}

void BabelInterface::add_interface(Instant now, std::uint32_t ifindex, const Address& link_local,
                                   std::optional<Duration> hello_interval) {
  auto [it, fresh] = interfaces_.try_emplace(ifindex);
  it->second.link_local = link_local;
  it->second.hello_interval = hello_interval.value_or(config_.hello_interval);
  HYPHAE_ASSERT(it->second.hello_interval >= milliseconds(10));
  if (fresh) send_hello(now, ifindex, it->second);
}

void BabelInterface::announce(Instant now, const Prefix& p, std::uint16_t metric) {
  HYPHAE_ASSERT(!p.is_v4());  // no IPv4 next hop to give (see the header)
  router_.announce(now, p, metric);
  drain_router();
}

void BabelInterface::withdraw(Instant now, const Prefix& p) {
  router_.withdraw(now, p);
  drain_router();
}

void BabelInterface::on_datagram(Instant now, std::uint32_t ifindex, const Address& from, ByteView datagram) {
  ++counters_.datagrams_in;
  auto ifc = interfaces_.find(ifindex);
  if (ifc == interfaces_.end()) {
    ++counters_.unknown_interface;
    return;
  }
  if (!is_link_local(from)) {
    ++counters_.not_link_local;
    return;
  }
  auto packet = parse_packet(datagram);
  if (!packet || !validate_body(packet->body)) {
    ++counters_.bad_packet;
    return;
  }
  const Key key{ifindex, from};
  auto nit = neighbours_.find(key);
  bool has_routing = false;
  TlvParser parser(packet->body, from);
  while (auto tlv = parser.next()) {
    if (routing_tlv(*tlv)) has_routing = true;
    const auto* hello = std::get_if<Hello>(&*tlv);
    const auto* ihu = std::get_if<Ihu>(&*tlv);
    // Only Hellos and IHUs addressed to us make a neighbour (as babeld's
    // find_neighbour on Hello/IHU): other TLVs from a stranger are not enough.
    const bool for_us = ihu != nullptr && (ihu->ae == Ae::wildcard || ihu->address == ifc->second.link_local);
    if (hello == nullptr && !for_us) continue;
    if (nit == neighbours_.end()) {
      if (neighbours_.size() >= config_.max_neighbours) {
        ++counters_.neighbours_full;
        return;
      }
      nit = neighbours_.try_emplace(key).first;
    }
    if (hello != nullptr) {
      ++counters_.hellos_in;
      on_hello(now, key, nit->second, *hello);
    } else {
      ++counters_.ihus_in;
      Neighbour& n = nit->second;
      n.txcost = ihu->rxcost;
      // Expect the next IHU within 3.5 of its announced intervals (babeld);
      // an IHU without one is trusted as long as three of our Hellos.
      const Duration interval =
          ihu->interval != 0 ? from_centiseconds(ihu->interval) * 7 / 2 : config_.hello_interval * 3;
      n.txcost_expires = now + interval;
    }
  }
  if (nit != neighbours_.end()) update_cost(now, key, nit->second);
  if (nit != neighbours_.end() && nit->second.router_cost) {
    router_.on_packet(now, babel_neighbour_id(ifindex, from), packet->body);
  } else if (has_routing) {
    ++counters_.from_unusable_neighbour;
  }
  drain_router();
}

void BabelInterface::on_hello(Instant now, const Key& key, Neighbour& n, const Hello& h) {
  (void)key;
  if ((h.flags >> 8) & kHelloUnicast) {
    // Unicast Hellos have their own history (RFC 8966 §3.4.1); we send none
    // and ask for none, so they do not count here.
    ++counters_.unicast_hellos_ignored;
    return;
  }
  // Appendix A.1: shift the history by the Hellos missed since the last one;
  // a seqno far from what we expected (a reboot) starts the history afresh.
  const auto ahead = static_cast<std::int16_t>(seqno_minus(h.seqno, n.expected_seqno));
  if (n.reach == 0 || ahead > 16 || ahead < -16) {
    n.reach = 0;
  } else if (ahead < 0) {
    return;  // a duplicate or a Hello already counted as missed
  } else {
    n.reach = static_cast<std::uint16_t>(n.reach >> ahead);
  }
  n.reach = static_cast<std::uint16_t>((n.reach >> 1) | 0x8000);
  n.expected_seqno = seqno_plus(h.seqno, 1);
  n.hello_interval = from_centiseconds(h.interval);
  // babeld gives a Hello 1.5 intervals of grace before counting it missed.
  if (h.interval != 0) {
    n.hello_deadline = now + n.hello_interval * 3 / 2;
  } else {
    n.hello_deadline.reset();
  }
}

std::uint16_t BabelInterface::rxcost(const Neighbour& n) const {
  // babeld's rule for wired links: "to lose one Hello is a misfortune, to
  // lose two is carelessness" — usable if two of the last three arrived
  // (the newest and either of the two before, or the two before).
  const std::uint16_t r = n.reach;
  if ((r & 0xC000) == 0xC000 || ((r & 0x8000) != 0 && (r & 0x2000) != 0) || (r & 0x6000) == 0x6000) {
    return config_.rxcost;
  }
  return kInfinity;
}

std::uint16_t BabelInterface::cost(Instant now, const Neighbour& n) const {
  // Appendix A.2.1: on a link whose costs are "k" or infinity the cost is the
  // neighbour's view of us (txcost) once we hear it too.
  if (rxcost(n) >= kInfinity) return kInfinity;
  if (!n.txcost_expires || now >= *n.txcost_expires || n.txcost >= kInfinity) return kInfinity;
  return std::max<std::uint16_t>(n.txcost, 1);
}

void BabelInterface::update_cost(Instant now, const Key& key, Neighbour& n) {
  const std::uint16_t c = cost(now, n);
  const NeighbourId id = babel_neighbour_id(key.first, key.second);
  if (c >= kInfinity) {
    if (n.router_cost) router_.remove_neighbour(now, id);
    n.router_cost.reset();
  } else if (!n.router_cost) {
    router_.add_neighbour(now, id, c);
    n.router_cost = c;
  } else if (*n.router_cost != c) {
    router_.set_link_cost(now, id, c);
    n.router_cost = c;
  }
}

void BabelInterface::send_hello(Instant now, std::uint32_t ifindex, Interface& ifc) {
  const std::uint16_t interval = centiseconds_of(ifc.hello_interval);
  Bytes body;
  append_tlv(body, Hello{.flags = 0, .seqno = ifc.hello_seqno, .interval = interval, .timestamp = {}});
  ifc.hello_seqno = seqno_plus(ifc.hello_seqno, 1);
  ifc.next_hello = now + ifc.hello_interval;
  // One IHU per neighbour on this link, with every Hello: babeld's default
  // is every third, but they are small and a lost one then costs nothing.
  for (auto it = neighbours_.lower_bound(Key{ifindex, Address{}});
       it != neighbours_.end() && it->first.first == ifindex; ++it) {
    const Tlv ihu = Ihu{.ae = ae_for(it->first.second),
                        .rxcost = rxcost(it->second),
                        .interval = interval,
                        .address = it->first.second,
                        .timestamps = {}};
    if (body.size() + encoded_size(ihu) > config_.router.max_body) {
      transmits_.push_back({ifindex, std::nullopt, make_packet(body)});
      body.clear();
    }
    append_tlv(body, ihu);
  }
  transmits_.push_back({ifindex, std::nullopt, make_packet(body)});
}

void BabelInterface::on_tick(Instant now) {
  for (auto& [ifindex, ifc] : interfaces_) {
    if (now >= ifc.next_hello) send_hello(now, ifindex, ifc);
  }
  for (auto it = neighbours_.begin(); it != neighbours_.end();) {
    Neighbour& n = it->second;
    while (n.hello_deadline && now >= *n.hello_deadline) {
      ++counters_.hellos_missed;
      n.reach = static_cast<std::uint16_t>(n.reach >> 1);
      n.expected_seqno = seqno_plus(n.expected_seqno, 1);
      if (n.reach == 0 || n.hello_interval <= Duration{}) {
        n.hello_deadline.reset();
      } else {
        *n.hello_deadline += n.hello_interval;
      }
    }
    if (n.txcost_expires && now >= *n.txcost_expires) {
      n.txcost = kInfinity;
      n.txcost_expires.reset();
    }
    update_cost(now, it->first, n);
    if (n.reach == 0 && !n.txcost_expires) {
      it = neighbours_.erase(it);  // silent both ways: forget it (update_cost took it out of the Router)
    } else {
      ++it;
    }
  }
  if (auto d = router_.poll_deadline(); d && *d <= now) router_.on_tick(now);
  drain_router();
}

std::optional<Instant> BabelInterface::poll_deadline() const {
  std::optional<Instant> d = router_.poll_deadline();
  auto earliest = [&](Instant t) {
    if (!d || t < *d) d = t;
  };
  for (const auto& [ifindex, ifc] : interfaces_) earliest(ifc.next_hello);
  for (const auto& [key, n] : neighbours_) {
    if (n.hello_deadline) earliest(*n.hello_deadline);
    if (n.txcost_expires) earliest(*n.txcost_expires);
  }
  return d;
}

void BabelInterface::drain_router() {
  while (auto t = router_.poll_transmit()) {
    if (t->to) {
      const auto [ifindex, address] = split_babel_neighbour(*t->to);
      transmits_.push_back({ifindex, address, make_packet(t->body)});
      continue;
    }
    for (const auto& [ifindex, ifc] : interfaces_)
      transmits_.push_back({ifindex, std::nullopt, make_packet(t->body)});
  }
}

std::optional<BabelTransmit> BabelInterface::poll_transmit() {
  if (transmits_.empty()) return std::nullopt;
  BabelTransmit t = std::move(transmits_.front());
  transmits_.pop_front();
  ++counters_.datagrams_out;
  return t;
}

std::vector<BabelNeighbourView> BabelInterface::neighbours() const {
  std::vector<BabelNeighbourView> out;
  for (const auto& [key, n] : neighbours_) {
    out.push_back({.ifindex = key.first,
                   .address = key.second,
                   .reach = n.reach,
                   .rxcost = rxcost(n),
                   .txcost = n.txcost,
                   .cost = n.router_cost.value_or(kInfinity)});
  }
  return out;
}

}  // namespace hyphae::routing
