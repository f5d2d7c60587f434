#include "routing/routing.hpp"

#include <algorithm>
#include <cmath>
#include <tuple>

#include "base/assert.hpp"

namespace hyphae::routing {
namespace {

Ae ae_of(const Prefix& p) { return p.is_v4() ? Ae::ipv4 : Ae::ipv6; }

// Never routed: link-local and multicast (babeld's martian_prefix).
bool martian(const Prefix& p) {
  const bool link_local = p.plen >= 10 && p.addr[0] == 0xfe && (p.addr[1] & 0xc0) == 0x80;
  const bool multicast = p.plen >= 8 && p.addr[0] == 0xff;
  return link_local || multicast;
}

Duration centiseconds(std::uint16_t cs) { return milliseconds(10) * cs; }

std::uint16_t to_centiseconds(Duration d) {
  const std::int64_t cs = d.ns / milliseconds(10).ns;
  return static_cast<std::uint16_t>(std::clamp<std::int64_t>(cs, 0, 0xFFFF));
}

std::uint16_t diff(std::uint16_t a, std::uint16_t b) { return a > b ? a - b : b - a; }

}  // namespace

std::string_view name(RouteEvent::Kind k) {
  switch (k) {
    case RouteEvent::Kind::selected:
      return "selected";
    case RouteEvent::Kind::retracted:
      return "retracted";
  }
  return "?";
}

Router::Router(const RouterConfig& config, RouterId self, Rng rng, Instant now)
    : config_(config), self_(self), rng_(rng), last_now_(now), next_full_(now), housekeeping_at_(now) {
  HYPHAE_ASSERT(self_.valid());
  HYPHAE_ASSERT(config_.max_body >= 64 && config_.max_body <= kMaxBody);
  HYPHAE_ASSERT(config_.update_interval > Duration{});
  HYPHAE_ASSERT(config_.hold_down > Duration{});
  // The first periodic update waits a jittered interval: neighbours get a
  // full dump when they are added anyway.
  next_full_ = now + config_.update_interval;
}

// ---------------------------------------------------------------- inputs

void Router::advance(Instant now) {
  HYPHAE_ASSERT(now >= last_now_);
  last_now_ = now;
  housekeeping(now);
}

void Router::add_neighbour(Instant now, const NeighbourId& n, std::uint16_t cost) {
  advance(now);
  if (neighbours_.contains(n)) {
    set_link_cost(now, n, cost);
    return;
  }
  neighbours_[n].cost = std::max<std::uint16_t>(cost, 1);
  // Tell it everything we know and ask for everything it knows (babeld does
  // the same with a wildcard request when it sees a new neighbour).
  pending_.full_to.insert(n);
  pending_.requests.emplace_back(n, RouteRequest{Ae::wildcard, {}});
  flush(now);
}

void Router::remove_neighbour(Instant now, const NeighbourId& n) {
  advance(now);
  if (neighbours_.erase(n) == 0) return;
  std::vector<Prefix> touched;
  for (auto& [p, d] : table_) {
    const auto before = d.routes.size();
    std::erase_if(d.routes, [&](const Route& r) { return r.neighbour == n; });
    if (d.routes.size() != before) {
      route_count_ -= before - d.routes.size();
      touched.push_back(p);
    }
  }
  for (const auto& p : touched) reselect(now, p);
  for (auto& [p, r] : requests_) {
    r.requesters.erase(n);
    if (r.sent_to == n) r.resends_left = 0;
  }
  pending_.unicast.erase(n);
  pending_.full_to.erase(n);
  std::erase_if(pending_.requests, [&](const auto& q) { return q.first == n; });
  flush(now);
}

void Router::set_link_cost(Instant now, const NeighbourId& n, std::uint16_t cost) {
  advance(now);
  cost = std::max<std::uint16_t>(cost, 1);
  auto it = neighbours_.find(n);
  if (it == neighbours_.end() || it->second.cost == cost) return;
  std::vector<Prefix> touched;
  for (auto& [p, d] : table_) {
    for (auto& r : d.routes) {
      if (r.neighbour != n) continue;
      smoothed(now, r);  // settle the smoothing under the old cost first
      touched.push_back(p);
    }
  }
  it->second.cost = cost;
  for (const auto& p : touched) reselect(now, p);
  flush(now);
}

void Router::on_packet(Instant now, const NeighbourId& from, ByteView body) {
  advance(now);
  ++counters_.packets_in;
  counters_.bytes_in += body.size();
  if (!neighbours_.contains(from)) {
    ++counters_.unknown_neighbour;
    return;
  }
  auto result = for_each_tlv(body, [&](const Tlv& tlv) {
    if (const auto* u = std::get_if<Update>(&tlv)) {
      handle_update(now, from, *u);
    } else if (const auto* rr = std::get_if<RouteRequest>(&tlv)) {
      handle_route_request(now, from, *rr);
    } else if (const auto* sr = std::get_if<SeqnoRequest>(&tlv)) {
      handle_seqno_request(now, from, *sr);
    } else if (const auto* ar = std::get_if<AckReq>(&tlv)) {
      pending_.requests.emplace_back(from, Ack{ar->opaque});
    } else if (const auto* ig = std::get_if<Ignored>(&tlv)) {
      ++counters_.ignored[static_cast<std::size_t>(ig->why)];
    }
    // Pad, Hello, IHU, Ack, Router-Id and Next Hop need nothing here: the
    // parser folded the last two into the Updates that follow them, and
    // the link layer measures the neighbour instead of Hello/IHU.
  });
  if (!result) ++counters_.bad_body;
  flush(now);
}

void Router::on_tick(Instant now) {
  advance(now);
  for (auto it = requests_.begin(); it != requests_.end();) {
    Request& r = it->second;
    if (now >= r.expires) {
      it = requests_.erase(it);
      continue;
    }
    if (r.resends_left > 0 && now >= r.next_resend) {
      if (!r.sent_to || neighbours_.contains(*r.sent_to)) {
        pending_.requests.emplace_back(
            r.sent_to, SeqnoRequest{ae_of(it->first), r.seqno, r.hop_count, r.router_id, it->first});
      }
      --r.resends_left;
      r.next_resend = now + config_.request_resend_interval;
    }
    ++it;
  }
  for (auto it = resends_.begin(); it != resends_.end();) {
    if (now >= it->second.at) {
      pending_.all.insert(it->first);
      if (--it->second.left <= 0) {
        it = resends_.erase(it);
        continue;
      }
      it->second.at = now + config_.urgent_resend_interval;
    }
    ++it;
  }
  if (now >= next_full_) {
    // Smoothed metrics moved since the last look: hysteresis may let a better
    // route in now (babeld re-considers routes in its periodic pass too).
    // (reselect neither adds nor removes destinations.)
    for (auto& [p, d] : table_) reselect(now, p, d);
    pending_.full_all = true;
    const auto jitter =
        static_cast<std::int64_t>(rng_.below(static_cast<std::uint64_t>(config_.update_interval.ns / 8) + 1));
    next_full_ = now + config_.update_interval - nanoseconds(jitter);
  }
  flush(now);
}

void Router::announce(Instant now, const Prefix& p, std::uint16_t metric) {
  advance(now);
  HYPHAE_ASSERT(metric < kInfinity);
  if (locals_.insert_or_assign(p, metric).second) ++local_plen_refs_[p.plen];
  if (find_destination(p) != table_.end()) reselect(now, p);  // our own prefix wins over learned routes
  urgent(now, p);
  flush(now);
}

void Router::withdraw(Instant now, const Prefix& p) {
  advance(now);
  if (locals_.erase(p) == 0) return;
  --local_plen_refs_[p.plen];
  Destination& d = destination(p);
  d.lost_until = now + config_.hold_down;
  d.lost_router_id = self_;
  d.lost_seqno = seqno_;
  note_timer(*d.lost_until);
  urgent(now, p);
  reselect(now, p);  // a learned route to the same prefix (anycast) may take over
  flush(now);
}

// ---------------------------------------------------------------- outputs

std::optional<RouterTransmit> Router::poll_transmit() {
  if (transmits_.empty()) return std::nullopt;
  RouterTransmit t = std::move(transmits_.front());
  transmits_.pop_front();
  return t;
}

std::optional<RouteEvent> Router::poll_event() {
  if (events_.empty()) return std::nullopt;
  RouteEvent e = events_.front();
  events_.pop_front();
  return e;
}

std::optional<Instant> Router::poll_deadline() const {
  Instant d = std::min(next_full_, housekeeping_at_);
  for (const auto& [p, r] : resends_) d = std::min(d, r.at);
  for (const auto& [p, r] : requests_) {
    d = std::min(d, r.expires);
    if (r.resends_left > 0) d = std::min(d, r.next_resend);
  }
  return d;
}

// ---------------------------------------------------------------- queries

std::vector<RouteView> Router::routes() const {
  std::vector<RouteView> out;
  out.reserve(route_count_);
  for (const auto& [p, d] : table_) {
    for (const auto& r : d.routes) {
      out.push_back(RouteView{p, r.neighbour, metric_of(r), r.seqno, r.router_id, r.refmetric,
                              feasible(last_now_, p, r.router_id, r.seqno, r.refmetric), r.selected});
    }
  }
  std::sort(out.begin(), out.end(), [](const RouteView& a, const RouteView& b) {
    return std::tie(a.destination, a.next_hop) < std::tie(b.destination, b.next_hop);
  });
  return out;
}

std::optional<RouteView> Router::selected(const Prefix& p) const {
  auto it = find_destination(p);
  if (it == table_.end()) return std::nullopt;
  for (const auto& r : it->second.routes) {
    if (r.selected) {
      return RouteView{p, r.neighbour, metric_of(r), r.seqno, r.router_id, r.refmetric, true, true};
    }
  }
  return std::nullopt;
}

std::vector<RouteView> Router::selected_routes() const {
  std::vector<RouteView> out;
  out.reserve(table_.size());
  for (const auto& [p, d] : table_) {
    for (const auto& r : d.routes) {
      if (r.selected)
        out.push_back(RouteView{p, r.neighbour, metric_of(r), r.seqno, r.router_id, r.refmetric, true, true});
    }
  }
  return out;
}

std::optional<NeighbourId> Router::next_hop(const Address& dst) const {
  for (int plen = 128; plen >= 0; --plen) {
    const auto len = static_cast<std::uint8_t>(plen);
    if (plen_refs_[len] == 0 && local_plen_refs_[len] == 0) continue;
    const Prefix q = Prefix::make(dst, len);
    if (local_plen_refs_[len] != 0 && locals_.contains(q)) return std::nullopt;
    if (plen_refs_[len] == 0) continue;
    auto it = find_destination(q);
    if (it == table_.end()) continue;
    for (const auto& r : it->second.routes) {
      if (r.selected) return r.neighbour;
    }
  }
  return std::nullopt;
}

bool Router::is_local(const Address& dst) const {
  return std::any_of(locals_.begin(), locals_.end(), [&](const auto& l) { return l.first.contains(dst); });
}

std::vector<NeighbourId> Router::neighbours() const {
  std::vector<NeighbourId> out;
  out.reserve(neighbours_.size());
  for (const auto& [n, nb] : neighbours_) out.push_back(n);
  return out;
}

std::optional<std::uint16_t> Router::link_cost(const NeighbourId& n) const {
  auto it = neighbours_.find(n);
  if (it == neighbours_.end()) return std::nullopt;
  return it->second.cost;
}

// ---------------------------------------------------------------- rules

std::uint16_t Router::metric_of(const Route& r) const {
  if (r.refmetric == kInfinity) return kInfinity;
  auto it = neighbours_.find(r.neighbour);
  HYPHAE_ASSERT(it != neighbours_.end());  // routes leave with their neighbour
  return metric_add(r.refmetric, it->second.cost);
}

// RFC 8966 §3.5.1: an update (seqno, metric) from `id` is feasible when no
// feasibility distance is recorded, or it is strictly better than the one
// recorded: a newer seqno, or the same seqno and a smaller metric.
// Retractions are always feasible.
bool Router::feasible(Instant now, const Prefix& p, const RouterId& id, std::uint16_t seqno,
                      std::uint16_t refmetric) const {
  if (refmetric == kInfinity) return true;
  return feasible_against(live_source(now, p, id), seqno, refmetric);
}

const Router::Source* Router::live_source(Instant now, const Prefix& p, const RouterId& id) const {
  auto it = sources_.find({id, p});
  if (it == sources_.end()) return nullptr;
  // Stale: a restarted origin must not be locked out.
  return now - it->second.used > config_.source_gc ? nullptr : &it->second;
}

bool Router::feasible_against(const Source* s, std::uint16_t seqno, std::uint16_t refmetric) {
  if (refmetric == kInfinity || s == nullptr) return true;
  return seqno_newer(seqno, s->seqno) || (seqno == s->seqno && refmetric < s->metric);
}

// babeld's route_smoothed_metric without the randomisation, and one-sided:
// a metric that gets worse is felt at once (a degraded link must not keep
// its traffic), one that gets better is approached exponentially with the
// configured half-life (a transient improvement must not pull traffic).
double Router::smoothed(Instant now, Route& r) const {
  const double m = metric_of(r);
  if (m >= kInfinity || r.smoothed >= kInfinity || m >= r.smoothed ||
      config_.smoothing_half_life <= Duration{}) {
    r.smoothed = m;
  } else if (now > r.smoothed_at) {
    const double halves = (now - r.smoothed_at).seconds() / config_.smoothing_half_life.seconds();
    r.smoothed = m + (r.smoothed - m) * std::exp2(-halves);
    if (std::abs(r.smoothed - m) < 4) r.smoothed = m;
  }
  r.smoothed_at = now;
  return r.smoothed;
}

void Router::reselect(Instant now, const Prefix& p) {
  auto it = find_destination(p);
  if (it == table_.end()) return;
  reselect(now, p, it->second);
}

void Router::reselect(Instant now, const Prefix& p, Destination& d) {
  if (locals_.contains(p)) {
    // We originate it: learned routes stay in the table for display only.
    for (auto& r : d.routes) r.selected = false;
    d.last.reset();
    d.lost_until.reset();
    return;
  }
  // Whether a route may be selected: finite, not expired, over a link that
  // is not infinite, and feasible. One source-table lookup per originator,
  // not per route (nothing here changes sources_).
  std::optional<RouterId> looked_up;
  const Source* source = nullptr;
  const auto is_usable = [&](const Route& r) {
    if (r.refmetric == kInfinity || now >= r.expires || metric_of(r) >= kInfinity) return false;
    if (looked_up != r.router_id) {
      looked_up = r.router_id;
      source = live_source(now, p, r.router_id);
    }
    return feasible_against(source, r.seqno, r.refmetric);
  };
  Route* cur = nullptr;
  for (auto& r : d.routes) {
    if (r.selected) cur = &r;
  }
  if (cur != nullptr && !is_usable(*cur)) {
    cur->selected = false;  // retracted, expired, infinite or (never, by construction) unfeasible
    cur = nullptr;
  }
  const bool lost = cur == nullptr && d.last.has_value();  // unusable, or gone with its neighbour
  Route* best = nullptr;
  double best_smoothed = 0;
  for (auto& r : d.routes) {
    if (!is_usable(r)) continue;
    const double s = smoothed(now, r);
    if (best == nullptr || std::tie(s, r.neighbour) < std::tie(best_smoothed, best->neighbour)) {
      best = &r;
      best_smoothed = s;
    }
  }
  if (best != nullptr && best != cur) {
    bool take = cur == nullptr;
    if (cur != nullptr) {
      // Hysteresis: a working route is replaced only by one that is no worse
      // now and clearly better on the smoothed scale (babeld's strong order).
      take =
          metric_of(*best) <= metric_of(*cur) && best_smoothed + config_.switch_margin < smoothed(now, *cur);
    }
    if (take) {
      if (cur != nullptr) {
        cur->selected = false;
        ++counters_.switches;
      }
      best->selected = true;
      cur = best;
    }
  }
  // A route that replaces a lost one is announced at once, whatever its
  // metric (babeld: route_lost -> consider_route -> urgent send_update).
  if (lost && cur != nullptr) pending_.all.insert(p);
  after_selection(now, p, d, cur);
}

// Events and triggered updates for a destination whose selection may have
// changed (babeld's send_triggered_update and route_lost).
void Router::after_selection(Instant now, const Prefix& p, Destination& d, const Route* sel) {
  std::optional<Advert> adv;
  if (sel != nullptr) adv = Advert{sel->neighbour, sel->router_id, sel->seqno, metric_of(*sel)};
  const std::optional<Advert> old = d.last;
  d.last = adv;
  if (!old && !adv) return;
  if (!adv) {
    ++counters_.losses;
    emit(RouteEvent{RouteEvent::Kind::retracted, p, std::nullopt, kInfinity, old->seqno, old->router_id});
    d.lost_until = now + config_.hold_down;
    d.lost_router_id = old->router_id;
    d.lost_seqno = old->seqno;
    note_timer(*d.lost_until);
    urgent(now, p);  // a retraction: neighbours routing through us must look elsewhere now
    if (old->metric <= kInfinity / 2) {
      // No feasible alternate: ask the origin for a new seqno, which makes
      // the routes we hold (and theirs) feasible again.
      auto s = sources_.find({old->router_id, p});
      const std::uint16_t want = s == sources_.end()             ? seqno_plus(old->seqno, 1)
                                 : s->second.metric == kInfinity ? s->second.seqno
                                                                 : seqno_plus(s->second.seqno, 1);
      send_seqno_request(now, std::nullopt, p, old->router_id, want, config_.request_hop_count, std::nullopt,
                         config_.request_resends);
    }
    return;
  }
  if (!old) {
    emit(RouteEvent{RouteEvent::Kind::selected, p, adv->neighbour, adv->metric, adv->seqno, adv->router_id});
    d.lost_until.reset();
    pending_.all.insert(p);
    return;
  }
  if (old->neighbour != adv->neighbour || old->metric != adv->metric) {
    emit(RouteEvent{RouteEvent::Kind::selected, p, adv->neighbour, adv->metric, adv->seqno, adv->router_id});
  }
  const std::uint16_t delta = diff(adv->metric, old->metric);
  // Significantly worse (from a short route), or any change of 384 or more
  // except an improvement under 1024: an improvement may be transient, and
  // advertising it would only tighten our neighbours' feasibility distances;
  // the periodic update carries it.
  const bool worse = adv->metric > old->metric;
  const bool significant =
      (worse && old->metric < 6 * 256 && delta >= 512) || (delta >= 384 && (worse || delta >= 1024));
  if (old->router_id != adv->router_id) {
    urgent(now, p);  // a new source can make our neighbours' routes unfeasible: tell them
  } else if (significant) {
    pending_.all.insert(p);
  }
  if (adv->metric >= metric_add(old->metric, 288)) {
    // Much worse: ask the neighbours whether they know better.
    pending_.requests.emplace_back(std::nullopt, RouteRequest{ae_of(p), p});
  }
}

void Router::handle_update(Instant now, const NeighbourId& from, const Update& u) {
  ++counters_.updates_in;
  if (u.ae == Ae::wildcard) {
    ++counters_.retractions_in;
    retract_all_from(now, from);  // the decoder only passes wildcard retractions
    return;
  }
  const Prefix& p = u.prefix;
  if (martian(p)) {
    ++counters_.martians;
    return;
  }
  if (u.metric != kInfinity && u.router_id == self_) return;  // our own route, come back around
  if (locals_.contains(p)) return;

  auto it = find_destination(p);
  Destination* dest = it == table_.end() ? nullptr : &it->second;
  Route* r = nullptr;
  if (dest != nullptr) {
    for (auto& x : dest->routes) {
      if (x.neighbour == from) r = &x;
    }
  }
  if (u.metric == kInfinity) {
    ++counters_.retractions_in;
    if (r == nullptr || r->refmetric == kInfinity) return;  // retracting what we never had
    r->refmetric = kInfinity;
    r->seqno = u.seqno;
    r->smoothed = kInfinity;
    r->expires = now + config_.hold_down;  // hold-down: kept, unselected
    note_timer(r->expires);
    reselect(now, p, *dest);
    return;
  }
  HYPHAE_ASSERT(u.router_id.has_value());  // the decoder drops finite updates without one
  const RouterId id = *u.router_id;
  const bool is_feasible = feasible(now, p, id, u.seqno, u.metric);
  const std::uint16_t cost = neighbours_.at(from).cost;
  if (!is_feasible) ++counters_.unfeasible_in;
  const Duration hold = std::max(config_.min_route_expiry, centiseconds(u.interval) * 7 / 2);
  if (r != nullptr) {
    if (!is_feasible && r->selected && r->router_id == id) {
      // RFC 8966 §3.5.3: an unfeasible update for the selected route from the
      // same origin may be ignored; the route keeps its feasible state until
      // it expires, and a seqno request asks the origin for a fresh seqno.
      maybe_request_unfeasible(now, from, p, id, u.seqno, metric_add(u.metric, cost));
      return;
    }
    smoothed(now, *r);
    const bool was_retracted = r->refmetric == kInfinity;
    r->router_id = id;
    r->seqno = u.seqno;
    r->refmetric = u.metric;
    r->refreshed = now;
    r->hold = hold;
    r->expires = now + hold;
    r->refresh_requested = false;
    if (was_retracted) {
      r->smoothed = metric_of(*r);
      r->smoothed_at = now;
    }
  } else {
    if (route_count_ >= config_.max_routes) {
      ++counters_.table_full;
      return;
    }
    dest = &destination(p);
    Route nr;
    nr.neighbour = from;
    nr.router_id = id;
    nr.seqno = u.seqno;
    nr.refmetric = u.metric;
    nr.refreshed = now;
    nr.hold = hold;
    nr.expires = now + hold;
    nr.smoothed = metric_add(u.metric, cost);
    nr.smoothed_at = now;
    dest->routes.push_back(nr);
    ++route_count_;
  }
  note_timer(now + hold * 7 / 8);
  reselect(now, p, *dest);
  if (!is_feasible) maybe_request_unfeasible(now, from, p, id, u.seqno, metric_add(u.metric, cost));
  note_request_satisfied(now, p, id, u.seqno);
}

void Router::retract_all_from(Instant now, const NeighbourId& from) {
  std::vector<Prefix> touched;
  for (auto& [p, d] : table_) {
    for (auto& r : d.routes) {
      if (r.neighbour != from || r.refmetric == kInfinity) continue;
      r.refmetric = kInfinity;
      r.smoothed = kInfinity;
      r.expires = now + config_.hold_down;
      note_timer(r.expires);
      touched.push_back(p);
    }
  }
  for (const auto& p : touched) reselect(now, p);
}

// An update answered a request we forwarded: pass the news on at once, the
// requesters are waiting (babeld's unsatisfied_request makes it urgent).
void Router::note_request_satisfied(Instant now, const Prefix& p, const RouterId& id, std::uint16_t seqno) {
  auto it = requests_.find(p);
  if (it == requests_.end()) return;
  if (it->second.router_id != id || seqno_newer(it->second.seqno, seqno)) return;
  if (!it->second.requesters.empty()) pending_.all.insert(p);
  requests_.erase(it);
  (void)now;
}

// We got an unfeasible update: if it would be worth having, ask for a seqno
// that makes it feasible (babeld's send_unfeasible_request).
void Router::maybe_request_unfeasible(Instant now, const NeighbourId& from, const Prefix& p,
                                      const RouterId& id, std::uint16_t seqno, std::uint16_t metric) {
  auto s = sources_.find({id, p});
  if (s == sources_.end()) return;
  if (seqno_minus(s->second.seqno, seqno) > config_.seqno_window)
    return;  // an origin that lost its seqno: let it time out
  const auto sel = selected(p);
  if (sel && sel->metric < metric_add(metric, 512)) return;  // what we have is about as good
  const std::uint16_t want = s->second.metric == kInfinity ? s->second.seqno : seqno_plus(s->second.seqno, 1);
  send_seqno_request(now, from, p, id, want, config_.request_hop_count, std::nullopt, 0);
}

void Router::send_seqno_request(Instant now, std::optional<NeighbourId> to, const Prefix& p,
                                const RouterId& id, std::uint16_t seqno, std::uint8_t hop_count,
                                std::optional<NeighbourId> requester, int resends) {
  auto it = requests_.find(p);
  if (it != requests_.end()) {
    Request& r = it->second;
    const bool same = r.router_id == id && !seqno_newer(seqno, r.seqno);
    if (same && now - r.sent < config_.request_dedup && (r.sent_to == to || !r.sent_to)) {
      if (requester) r.requesters.insert(*requester);  // answer it too once satisfied
      return;
    }
  } else if (requests_.size() >= config_.max_requests) {
    ++counters_.requests_full;
    return;
  }
  Request& r = requests_[p];
  if (r.router_id != id) r.requesters.clear();
  r.router_id = id;
  r.seqno = seqno;
  r.hop_count = hop_count;
  r.sent_to = to;
  if (requester) r.requesters.insert(*requester);
  r.sent = now;
  r.expires = now + config_.request_timeout;
  r.resends_left = resends;
  r.next_resend = now + config_.request_resend_interval;
  pending_.requests.emplace_back(to, SeqnoRequest{ae_of(p), seqno, hop_count, id, p});
  if (requester) {
    ++counters_.seqno_requests_forwarded;
  } else {
    ++counters_.seqno_requests_sent;
  }
}

void Router::handle_route_request(Instant now, const NeighbourId& from, const RouteRequest& r) {
  ++counters_.route_requests_in;
  if (r.ae == Ae::wildcard) {
    Neighbour& nb = neighbours_.at(from);
    if (!nb.last_full_dump || now - *nb.last_full_dump >= config_.full_dump_min_interval) {
      pending_.full_to.insert(from);
    }
    return;
  }
  pending_.unicast[from].insert(r.prefix);  // answered with a retraction if we know nothing
}

// RFC 8966 §3.8.1.2 (babeld's handle_request).
void Router::handle_seqno_request(Instant now, const NeighbourId& from, const SeqnoRequest& r) {
  ++counters_.seqno_requests_in;
  if (r.hop_count == 0) return;
  const Prefix& p = r.prefix;
  if (locals_.contains(p)) {
    if (r.router_id == self_ && seqno_newer(r.seqno, seqno_)) {
      if (seqno_minus(r.seqno, seqno_) > config_.seqno_window) return;  // hopelessly out of date
      seqno_ = seqno_plus(seqno_, 1);
      if (seqno_newer(r.seqno, seqno_)) seqno_ = r.seqno;
      ++counters_.seqno_bumps;
    }
    urgent(now, p);
    return;
  }
  const auto sel = selected(p);
  if (sel && (sel->router_id != r.router_id || !seqno_newer(r.seqno, sel->seqno))) {
    pending_.all.insert(p);  // what we have already satisfies it
    return;
  }
  if (r.hop_count <= 1) return;
  if (sel && seqno_minus(r.seqno, sel->seqno) > config_.seqno_window) return;
  // Forward towards the origin: our selected next hop, or failing that (or
  // if it is the requester) the best route through someone else, feasible
  // or not (babeld's find_best_route(..., 0, neigh)).
  std::optional<NeighbourId> successor;
  if (sel && sel->metric < kInfinity) successor = sel->next_hop;
  if (!successor || *successor == from) {
    successor.reset();
    auto it = find_destination(p);
    if (it != table_.end()) {
      std::uint16_t best = kInfinity;
      for (const auto& x : it->second.routes) {
        const std::uint16_t m = metric_of(x);
        if (x.neighbour == from || m >= best || now >= x.expires) continue;
        best = m;
        successor = x.neighbour;
      }
    }
  }
  if (!successor) return;
  send_seqno_request(now, successor, p, r.router_id, r.seqno, static_cast<std::uint8_t>(r.hop_count - 1),
                     from, 0);
}

void Router::update_source(Instant now, const Prefix& p, const RouterId& id, std::uint16_t seqno,
                           std::uint16_t metric) {
  if (metric == kInfinity) return;
  auto [it, inserted] = sources_.try_emplace({id, p}, Source{seqno, metric, now});
  Source& s = it->second;
  if (!inserted && (now - s.used > config_.source_gc || seqno_newer(seqno, s.seqno) ||
                    (seqno == s.seqno && metric < s.metric))) {
    s.seqno = seqno;
    s.metric = metric;
  }
  s.used = now;
}

Router::Destination& Router::destination(const Prefix& p) {
  auto [it, inserted] = table_.try_emplace(p);
  if (inserted) {
    ++plen_refs_[p.plen];
    index_.emplace(p, it);
  }
  return it->second;
}

Router::Table::iterator Router::erase_destination(Table::iterator it) {
  HYPHAE_ASSERT(plen_refs_[it->first.plen] > 0);
  --plen_refs_[it->first.plen];
  route_count_ -= it->second.routes.size();
  index_.erase(it->first);
  return table_.erase(it);
}

Router::Table::iterator Router::find_destination(const Prefix& p) {
  auto it = index_.find(p);
  return it == index_.end() ? table_.end() : it->second;
}

Router::Table::const_iterator Router::find_destination(const Prefix& p) const {
  auto it = index_.find(p);
  return it == index_.end() ? table_.cend() : Table::const_iterator(it->second);
}

void Router::urgent(Instant now, const Prefix& p) {
  pending_.all.insert(p);
  if (config_.urgent_resends > 0)
    resends_[p] = Resend{now + config_.urgent_resend_interval, config_.urgent_resends};
}

void Router::note_timer(Instant t) { housekeeping_at_ = std::min(housekeeping_at_, t); }

void Router::emit(const RouteEvent& e) {
  if (events_.size() >= config_.max_events) {
    events_.pop_front();
    ++counters_.events_dropped;
  }
  events_.push_back(e);
}

// Expiry, hold-down, refresh requests for routes about to expire, source GC.
void Router::housekeeping(Instant now) {
  if (now < housekeeping_at_) return;
  Instant next = now + config_.update_interval;
  std::vector<Prefix> touched;
  for (auto it = table_.begin(); it != table_.end();) {
    const Prefix& p = it->first;
    Destination& d = it->second;
    bool changed = false;
    for (auto r = d.routes.begin(); r != d.routes.end();) {
      if (r->refmetric == kInfinity) {
        if (now >= r->expires) {  // hold-down over
          changed = changed || r->selected;
          r = d.routes.erase(r);
          --route_count_;
          continue;
        }
        next = std::min(next, r->expires);
      } else if (now >= r->expires) {
        ++counters_.expiries;
        r->refmetric = kInfinity;
        r->smoothed = kInfinity;
        r->expires = now + config_.hold_down;
        next = std::min(next, r->expires);
        changed = true;
      } else {
        const Instant old_at = r->refreshed + r->hold * 7 / 8;
        if (r->selected && !r->refresh_requested && now >= old_at) {
          // About to expire: ask its neighbour directly (babeld's expire_routes).
          pending_.requests.emplace_back(r->neighbour, RouteRequest{ae_of(p), p});
          r->refresh_requested = true;
        }
        next = std::min(next, r->refresh_requested || now >= old_at ? r->expires : old_at);
      }
      ++r;
    }
    if (d.lost_until && now >= *d.lost_until) d.lost_until.reset();
    if (d.lost_until) next = std::min(next, *d.lost_until);
    if (changed) touched.push_back(p);
    if (d.routes.empty() && !d.lost_until && !d.last) {
      it = erase_destination(it);
      continue;
    }
    ++it;
  }
  // reselect() below must not run housekeeping again: move the mark first.
  housekeeping_at_ = std::max(next, now + milliseconds(1));
  for (const auto& p : touched) reselect(now, p);
  std::erase_if(sources_, [&](const auto& s) { return now - s.second.used > config_.source_gc; });
}

// ---------------------------------------------------------------- encoding

std::optional<Router::Advertised> Router::advertisement(Instant now, const Prefix& p) {
  if (auto l = locals_.find(p); l != locals_.end()) return Advertised{self_, seqno_, l->second};
  auto it = find_destination(p);
  if (it != table_.end()) {
    for (const auto& r : it->second.routes) {
      if (r.selected) return Advertised{r.router_id, r.seqno, metric_of(r)};
    }
    const Destination& d = it->second;
    if (d.lost_until && now < *d.lost_until) return Advertised{d.lost_router_id, d.lost_seqno, kInfinity};
  }
  return Advertised{std::nullopt, 0, kInfinity};
}

std::vector<Prefix> Router::full_dump_prefixes(Instant now) const {
  std::vector<Prefix> out;
  out.reserve(locals_.size() + table_.size());
  for (const auto& [p, m] : locals_) out.push_back(p);
  for (const auto& [p, d] : table_) {
    if (locals_.contains(p)) continue;
    const bool sel = std::any_of(d.routes.begin(), d.routes.end(), [](const Route& r) { return r.selected; });
    if (sel || (d.lost_until && now < *d.lost_until)) out.push_back(p);
  }
  return out;
}

void Router::write_bodies(Instant now, std::optional<NeighbourId> to, const std::vector<Prefix>& prefixes,
                          const std::vector<Tlv>& requests) {
  Bytes body;
  std::optional<RouterId> current_id;
  const auto finish = [&] {
    if (body.empty()) return;
    ++counters_.packets_out;
    counters_.bytes_out += body.size();
    transmits_.push_back(RouterTransmit{to, std::move(body)});
    body = Bytes{};
    current_id.reset();  // parser state does not cross bodies
  };
  const auto room_for = [&](std::size_t n) {
    if (body.size() + n > config_.max_body) finish();
  };
  for (const auto& t : requests) {
    room_for(encoded_size(t));
    append_tlv(body, t);
  }
  const std::uint16_t interval = to_centiseconds(config_.update_interval);
  for (const auto& p : prefixes) {
    const auto a = advertisement(now, p);
    if (!a) continue;
    const Update u{ae_of(p), 0, interval, a->seqno, a->metric, p, std::nullopt, std::nullopt};
    const bool need_id = a->metric != kInfinity && current_id != a->router_id;
    const RouterIdTlv id_tlv{a->router_id.value_or(RouterId{})};
    room_for(encoded_size(u) + (need_id ? encoded_size(id_tlv) : 0));
    if (a->metric != kInfinity && current_id != a->router_id) {  // re-checked: finish() resets it
      append_tlv(body, id_tlv);
      current_id = a->router_id;
    }
    append_tlv(body, u);
    ++counters_.updates_out;
    if (a->metric != kInfinity && *a->router_id != self_)
      update_source(now, p, *a->router_id, a->seqno, a->metric);
  }
  finish();
}

void Router::flush(Instant now) {
  Pending p = std::move(pending_);
  pending_ = Pending{};
  if (neighbours_.empty()) return;  // nobody to tell; nothing was advertised, so no FD moves
  std::vector<Prefix> full;
  if (p.full_all || !p.full_to.empty()) full = full_dump_prefixes(now);

  std::set<Prefix> to_all(p.all.begin(), p.all.end());
  if (p.full_all) to_all.insert(full.begin(), full.end());
  std::vector<Tlv> requests_all;
  std::map<NeighbourId, std::vector<Tlv>> requests_one;
  for (auto& [target, tlv] : p.requests) {
    if (!target) {
      requests_all.push_back(tlv);
    } else if (neighbours_.contains(*target)) {
      requests_one[*target].push_back(tlv);
    }
  }
  if (!to_all.empty() || !requests_all.empty()) {
    write_bodies(now, std::nullopt, std::vector<Prefix>(to_all.begin(), to_all.end()), requests_all);
  }
  std::set<NeighbourId> targets(p.full_to.begin(), p.full_to.end());
  for (const auto& [n, s] : p.unicast) targets.insert(n);
  for (const auto& [n, r] : requests_one) targets.insert(n);
  for (const auto& n : targets) {
    auto nb = neighbours_.find(n);
    if (nb == neighbours_.end()) continue;
    std::set<Prefix> mine;
    if (p.full_to.contains(n)) {
      mine.insert(full.begin(), full.end());
      nb->second.last_full_dump = now;
    }
    if (auto u = p.unicast.find(n); u != p.unicast.end()) mine.insert(u->second.begin(), u->second.end());
    for (const auto& x : to_all) mine.erase(x);  // already on its way to everyone
    const auto r = requests_one.find(n);
    write_bodies(now, n, std::vector<Prefix>(mine.begin(), mine.end()),
                 r == requests_one.end() ? std::vector<Tlv>{} : r->second);
  }
  if (p.full_all) {
    for (auto& [n, nb] : neighbours_) nb.last_full_dump = now;
  }
}

}  // namespace hyphae::routing
