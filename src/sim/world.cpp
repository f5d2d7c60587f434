#include "sim/world.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <cstring>

#include "base/assert.hpp"
#include "crypto/keys.hpp"

namespace hyphae::sim {
namespace {

constexpr std::uint32_t kAddressBase = 0x0A000001;  // node 0 is 10.0.0.1
constexpr std::uint16_t kPort = 9900;
constexpr std::size_t kSocketBacklog = 1024;         // datagrams a paused node's socket holds
constexpr std::uint32_t kMaxTicksAtInstant = 10000;  // a deadline that never advances is a bug
constexpr std::uint32_t kTrafficMagic = 0x4d535948;  // "HYSM"
constexpr std::size_t kTrafficHeader = 20;

std::uint64_t pair_key(NodeIndex a, NodeIndex b) { return (std::uint64_t{a} << 32) | b; }

void put_u32(Bytes& out, std::size_t at, std::uint32_t v) {
  for (int i = 0; i < 4; ++i) out[at + i] = static_cast<std::uint8_t>(v >> (8 * i));
}
void put_u64(Bytes& out, std::size_t at, std::uint64_t v) {
  for (int i = 0; i < 8; ++i) out[at + i] = static_cast<std::uint8_t>(v >> (8 * i));
}
std::uint64_t get(ByteView in, std::size_t at, int len) {
  std::uint64_t v = 0;
  for (int i = len - 1; i >= 0; --i) v = (v << 8) | in[at + i];
  return v;
}
std::uint8_t filler(std::uint64_t seq, std::size_t k) { return static_cast<std::uint8_t>(seq * 31 + k * 7); }

// Background traffic payload: magic, from, to, seq, then a filler the receiver can verify.
Bytes traffic_payload(NodeIndex from, NodeIndex to, std::uint64_t seq, std::size_t size) {
  Bytes p(std::max(size, kTrafficHeader));
  put_u32(p, 0, kTrafficMagic);
  put_u32(p, 4, from);
  put_u32(p, 8, to);
  put_u64(p, 12, seq);
  for (std::size_t k = kTrafficHeader; k < p.size(); ++k) p[k] = filler(seq, k);
  return p;
}

std::string ms_text(Instant t) { return fmt::format("{:.3f}s", static_cast<double>(t.ns) / 1e9); }

}  // namespace

double percentile_ms(std::vector<std::int64_t> samples, double p) {
  if (samples.empty()) return 0.0;
  std::sort(samples.begin(), samples.end());
  const auto rank =
      static_cast<std::size_t>(std::lround(p / 100.0 * static_cast<double>(samples.size() - 1)));
  return static_cast<double>(samples[std::min(rank, samples.size() - 1)]) / 1e6;
}

std::string Report::text() const {
  std::string out = fmt::format(
      "INVARIANT VIOLATED: {}\n  at {} (virtual){}\n  {}\n", violation.invariant, ms_text(at),
      violation.node == kNoNode ? "" : fmt::format(", node n{}", violation.node), violation.detail);
  if (violation.node != kNoNode) {
    out += fmt::format("  last {} events naming n{}:\n", recent_node.size(), violation.node);
    for (const auto& r : recent_node) out += "    " + format(r) + "\n";
  }
  out += fmt::format("  last {} events:\n", recent.size());
  for (const auto& r : recent) out += "    " + format(r) + "\n";
  return out;
}

Endpoint World::address(NodeIndex n) { return Endpoint::v4(kAddressBase + n, kPort); }

std::optional<NodeIndex> World::index_of(const Endpoint& e) const {
  if (!e.is_v4() || e.port != kPort) return std::nullopt;
  const std::uint32_t host = (std::uint32_t{e.ip[12]} << 24) | (std::uint32_t{e.ip[13]} << 16) |
                             (std::uint32_t{e.ip[14]} << 8) | e.ip[15];
  if (host < kAddressBase || host - kAddressBase >= slots_.size()) return std::nullopt;
  return host - kAddressBase;
}

std::optional<NodeIndex> World::index_of(const crypto::NodeId& id) const {
  auto it = by_id_.find(id);
  if (it == by_id_.end()) return std::nullopt;
  return it->second;
}

Result<std::unique_ptr<World>, std::string> World::create(const Scenario& scenario, std::uint64_t seed) {
  if (auto ok = validate(scenario); !ok) return fail(ok.error());
  // The topology draws from its own stream so that adding a node-level draw
  // never changes the graph a seed produces.
  Rng topo_rng = Rng(seed ^ 0x746f706f6c6f6779ULL);
  auto topology = make_topology(scenario.topology, topo_rng);
  if (!topology) return fail(topology.error());
  return std::unique_ptr<World>(new World(scenario, std::move(*topology), seed));
}

World::World(const Scenario& scenario, Topology topology, std::uint64_t seed)
    : scenario_(scenario),
      topology_(std::move(topology)),
      rng_(seed),
      net_rng_(rng_.split()),
      traffic_rng_(rng_.split()),
      net_(topology_.nodes, topology_.link) {
  const NodeTuning& t = scenario_.tuning;
  config_.mesh_port = kPort;
  if (t.keepalive_interval) config_.keepalive_interval = *t.keepalive_interval;
  if (t.session_timeout) config_.session_timeout = *t.session_timeout;
  if (t.handshake_timeout) config_.handshake_timeout = *t.handshake_timeout;
  if (t.dial_backoff_initial) config_.dial_backoff_initial = *t.dial_backoff_initial;
  if (t.dial_backoff_max) config_.dial_backoff_max = *t.dial_backoff_max;
  if (t.message_deadline) config_.message_deadline = *t.message_deadline;
  const MembershipSpec& ms = scenario_.membership;
  if (ms.enabled) {
    membership::MembershipConfig mc;
    mc.lifeguard = ms.lifeguard;
    if (ms.probe_interval) {
      mc.probe_interval = *ms.probe_interval;
      mc.probe_timeout = *ms.probe_interval / 2;
    }
    config_.membership = mc;
  }
  config_.target_degree = ms.target_degree;
  if (scenario_.routing.enabled) config_.routing = routing::RouterConfig{};

  const std::size_t n = topology_.nodes;
  adjacency_ = topology_.adjacency();
  slots_.resize(n);
  for (auto [a, b] : topology_.edges) {
    expected_.insert(pair_key(a, b));
    expected_.insert(pair_key(b, a));
    slots_[a].dials.push_back(b);
    if (scenario_.dial_both) slots_[b].dials.push_back(a);
  }
  for (NodeIndex i = 0; i < n; ++i) {
    Slot& s = slots_[i];
    s.rng = rng_.split();
    crypto::SeededKeySource identity_keys(s.rng.split());
    s.identity = std::make_unique<crypto::Identity>(crypto::Identity::generate(identity_keys));
    auto [it, fresh] = by_id_.emplace(s.identity->id, i);
    HYPHAE_ASSERT(fresh);  // 2^-160: a duplicate id means a broken key source
  }

  faults_ = scenario_.faults;
  Rng churn_rng = rng_.split();
  auto churn = expand_churn(scenario_.churn, n, churn_rng);
  faults_.insert(faults_.end(), churn.begin(), churn.end());
  std::stable_sort(faults_.begin(), faults_.end(),
                   [](const Fault& x, const Fault& y) { return x.at < y.at; });
  for (std::uint32_t k = 0; k < faults_.size(); ++k) {
    queue_.push(Instant{} + faults_[k].at, Event{.kind = Event::Kind::fault, .index = k});
    last_fault_at_ = std::max(last_fault_at_, Instant{} + faults_[k].at);
  }
  queue_.push(Instant{} + scenario_.check_interval, Event{.kind = Event::Kind::check});
  if (scenario_.traffic.interval.ns > 0) {
    for (NodeIndex i = 0; i < n; ++i) {
      const auto offset =
          static_cast<std::int64_t>(traffic_rng_.unit() * double(scenario_.traffic.interval.ns));
      queue_.push(Instant{} + scenario_.traffic.start + nanoseconds(offset),
                  Event{.kind = Event::Kind::traffic, .node = i});
    }
  }
  install_builtin_invariants();
  for (NodeIndex i = 0; i < n; ++i) boot(i);
}

World::~World() = default;

void World::boot(NodeIndex n) {
  Slot& s = slots_[n];
  s.keys = std::make_unique<crypto::SeededKeySource>(s.rng.split());
  node::NodeConfig config = config_;
  config.advertise = address(n);
  config.incarnation = s.incarnation;
  s.node = std::make_unique<node::Node>(config, *s.identity, *s.keys, s.rng.split(), now_, &verifier_);
  s.down_since.reset();
  s.armed.reset();
  s.in_flight.clear();
  for (NodeIndex peer : s.dials) s.node->dial(now_, address(peer));
  if (config_.membership) {
    std::vector<Endpoint> seeds;
    for (NodeIndex k = 0; k < std::min(scenario_.membership.seeds, slots_.size()); ++k) {
      if (k != n) seeds.push_back(address(k));
    }
    s.node->join(now_, seeds);
  }
  drain(n);
}

void World::record(TraceKind kind, NodeIndex node, NodeIndex other, std::uint64_t value,
                   std::string_view detail, ByteView bytes) {
  trace_.record(TraceRecord{now_, kind, node, other, value, detail}, bytes);
}

void World::drain(NodeIndex n) {
  node::Node* core = slots_[n].node.get();
  while (auto t = core->poll_transmit()) transmit(n, std::move(*t));
  while (auto e = core->poll_event()) handle(n, *e);
  arm(n);
}

void World::arm(NodeIndex n) {
  Slot& s = slots_[n];
  const auto deadline = s.node->poll_deadline();
  if (!deadline) {
    s.armed.reset();
    return;
  }
  const Instant at = std::max(*deadline, now_);
  if (s.armed == at) return;  // that tick is already queued
  s.armed = at;
  queue_.push(at, Event{.kind = Event::Kind::tick, .node = n, .gen = s.gen});
}

void World::transmit(NodeIndex from, node::Transmit t) {
  ++stats_.datagrams;
  const auto to = index_of(t.to);
  auto drop = [&](DropReason r, NodeIndex dst) {
    ++stats_.dropped;
    ++stats_.dropped_by[static_cast<std::size_t>(r)];
    record(TraceKind::drop, dst, from, t.data.size(), name(r), t.data);
  };
  if (!to) return drop(DropReason::no_route, kNoNode);
  const Verdict v = net_.route(now_, from, *to, t.data.size(), net_rng_);
  if (!v.deliver_at) return drop(v.reason, *to);
  queue_.push(*v.deliver_at,
              Event{.kind = Event::Kind::deliver, .node = *to, .from = from, .data = std::move(t.data)});
}

void World::deliver(NodeIndex to, NodeIndex from, Bytes& data, bool delayed) {
  Slot& s = slots_[to];
  auto drop = [&](DropReason r) {
    ++stats_.dropped;
    ++stats_.dropped_by[static_cast<std::size_t>(r)];
    record(TraceKind::drop, to, from, data.size(), name(r), data);
  };
  if (!s.node) return drop(DropReason::node_down);
  if (!delayed && now_ < s.slow_until) {
    // A slow process: the datagram sits in its socket until it gets to it.
    queue_.push(
        now_ + s.slow_by,
        Event{.kind = Event::Kind::deliver, .node = to, .from = from, .index = 1, .data = std::move(data)});
    return;
  }
  if (s.paused) {
    if (s.backlog.size() >= kSocketBacklog) return drop(DropReason::socket_full);
    s.backlog.emplace_back(from, std::move(data));
    return;
  }
  ++stats_.delivered;
  record(TraceKind::deliver, to, from, data.size(), {}, data);
  s.node->on_datagram(now_, address(from), data);
  drain(to);
}

void World::mark_connected(NodeIndex n, NodeIndex peer, bool up) {
  Slot& s = slots_[n];
  const bool expected = expected_.contains(pair_key(n, peer));
  if (up) {
    if (!s.connected.insert(peer).second) return;
    if (expected && ++expected_up_ == expected_.size() && !converged_at_) converged_at_ = now_;
  } else {
    if (s.connected.erase(peer) == 0) return;
    if (expected) --expected_up_;
  }
}

void World::forget_connections(NodeIndex n) {
  auto peers = slots_[n].connected;
  for (NodeIndex p : peers) mark_connected(n, p, false);
}

void World::handle(NodeIndex n, node::NodeEvent& e) {
  Slot& s = slots_[n];
  if (auto* c = std::get_if<node::PeerConnected>(&e)) {
    ++stats_.peer_connected;
    const auto peer = index_of(c->id);
    record(TraceKind::peer_connected, n, peer.value_or(kNoNode));
    if (!peer)
      return fail_invariant(
          {"peer_is_known", n, fmt::format("PeerConnected with unknown id {}", c->id.to_string())});
    if (*peer == n) return fail_invariant({"no_self_session", n, "PeerConnected with its own id"});
    if (c->address != address(*peer)) {
      return fail_invariant({"peer_address_matches", n,
                             fmt::format("PeerConnected n{} at {}, but n{} is at {}", *peer,
                                         c->address.to_string(), *peer, address(*peer).to_string())});
    }
    mark_connected(n, *peer, true);
  } else if (auto* l = std::get_if<node::PeerLost>(&e)) {
    ++stats_.peer_lost;
    const auto peer = index_of(l->id);
    record(TraceKind::peer_lost, n, peer.value_or(kNoNode), 0, l->reason);
    if (peer) mark_connected(n, *peer, false);
  } else if (auto* m = std::get_if<node::MessageReceived>(&e)) {
    const auto from = index_of(m->from);
    record(TraceKind::msg_received, n, from.value_or(kNoNode), m->id, {}, m->payload);
    const ByteView p = m->payload;
    if (p.size() < kTrafficHeader || get(p, 0, 4) != kTrafficMagic) return;  // not ours
    const auto src = static_cast<NodeIndex>(get(p, 4, 4));
    const auto dst = static_cast<NodeIndex>(get(p, 8, 4));
    const std::uint64_t seq = get(p, 12, 8);
    if (!from || *from != src || dst != n) {
      return fail_invariant({"message_routed_correctly", n,
                             fmt::format("message claims n{} -> n{}, but arrived at n{} from {}", src, dst, n,
                                         from ? fmt::format("n{}", *from) : std::string("an unknown id"))});
    }
    for (std::size_t k = kTrafficHeader; k < p.size(); ++k) {
      if (p[k] != filler(seq, k)) {
        return fail_invariant(
            {"payload_intact", n, fmt::format("message n{}#{} corrupted at byte {}", src, seq, k)});
      }
    }
    if (!delivered_.insert((std::uint64_t{src} << 40) | seq).second) {
      return fail_invariant({"delivered_once", n, fmt::format("message n{}#{} delivered twice", src, seq)});
    }
    ++stats_.messages_delivered;
  } else if (auto* me = std::get_if<membership::MemberEvent>(&e)) {
    on_member_event(n, *me);
  } else if (auto* a = std::get_if<node::MessageAcked>(&e)) {
    ++stats_.messages_acked;
    const auto to = index_of(a->to);
    record(TraceKind::msg_acked, n, to.value_or(kNoNode), a->id);
    stats_.ack_latency_ns.push_back(a->latency.ns);
    auto it = s.in_flight.find(a->id);
    if (it != s.in_flight.end()) {
      const std::uint64_t seq = it->second;
      s.in_flight.erase(it);
      if (!delivered_.contains((std::uint64_t{n} << 40) | seq)) {
        return fail_invariant(
            {"acked_implies_delivered", n,
             fmt::format("message n{}#{} (id {}) to n{} acknowledged but never handed to the "
                         "receiver",
                         n, seq, a->id, to.value_or(kNoNode))});
      }
    }
  } else if (auto* f = std::get_if<node::MessageFailed>(&e)) {
    ++stats_.messages_failed;
    const auto to = index_of(f->to);
    record(TraceKind::msg_failed, n, to.value_or(kNoNode), f->id, f->reason);
    s.in_flight.erase(f->id);
  }
}

void World::send_traffic(NodeIndex n) {
  Slot& s = slots_[n];
  const Duration interval = scenario_.traffic.interval;
  const auto next = static_cast<std::int64_t>((0.5 + traffic_rng_.unit()) * double(interval.ns));
  const std::uint64_t pick = traffic_rng_.next_u64();
  queue_.push(now_ + nanoseconds(next), Event{.kind = Event::Kind::traffic, .node = n});
  if (scenario_.traffic.stop.ns > 0 && now_ >= Instant{} + scenario_.traffic.stop) return;
  if (!s.node || s.paused) return;
  NodeIndex to = n;
  if (scenario_.traffic.any_node) {
    if (slots_.size() < 2) return;
    to = static_cast<NodeIndex>((n + 1 + pick % (slots_.size() - 1)) % slots_.size());
  } else {
    if (adjacency_[n].empty()) return;
    to = adjacency_[n][pick % adjacency_[n].size()];
  }
  const std::uint64_t seq = s.traffic_seq++;
  std::size_t size = scenario_.traffic.payload;
  if (scenario_.traffic.payload_max > size) size += pick % (scenario_.traffic.payload_max - size + 1);
  const auto priority = scenario_.traffic.random_priority ? static_cast<wire::Priority>((pick >> 32) % 4)
                                                          : wire::Priority::medium;
  const Bytes payload = traffic_payload(n, to, seq, size);
  auto id = s.node->send(now_, slots_[to].identity->id, wire::MessageType::notification, priority, payload);
  if (id) {
    ++stats_.messages_sent;
    s.in_flight.emplace(*id, seq);
  } else {
    ++stats_.messages_refused;
  }
  drain(n);
}

std::optional<Instant> World::unreachable_since(NodeIndex from, NodeIndex n) const {
  std::optional<Instant> since = slots_[n].down_since;
  auto earliest = [&](Instant t) { since = since ? std::min(*since, t) : t; };
  if (!net_.same_side(from, n) && partition_since_) earliest(*partition_since_);
  if (auto it = cut_since_.find(pair_key(std::min(from, n), std::max(from, n))); it != cut_since_.end()) {
    earliest(it->second);
  }
  return since;
}

bool World::expected_pairs_connected() const {
  for (std::uint64_t k : expected_) {
    const auto a = static_cast<NodeIndex>(k >> 32), b = static_cast<NodeIndex>(k & 0xffffffff);
    if (!is_up(a) || !is_up(b) || slots_[a].paused || slots_[b].paused || !net_.reachable(a, b)) continue;
    if (!slots_[a].connected.contains(b)) return false;
  }
  return true;
}

void World::apply(const Fault& f) {
  ++stats_.faults;
  record(TraceKind::fault, f.a, f.b, static_cast<std::uint64_t>(f.kind), name(f.kind));
  switch (f.kind) {
    case Fault::Kind::cut:
      net_.cut(f.a, f.b);
      cut_since_.emplace(pair_key(std::min(f.a, f.b), std::max(f.a, f.b)), now_);
      break;
    case Fault::Kind::degrade:
      net_.degrade(f.a, f.b, f.link);
      break;
    case Fault::Kind::restore:
      net_.restore(f.a, f.b);
      cut_since_.erase(pair_key(std::min(f.a, f.b), std::max(f.a, f.b)));
      break;
    case Fault::Kind::partition:
      net_.partition(f.groups);
      partition_since_ = now_;
      break;
    case Fault::Kind::heal:
      net_.heal();
      partition_since_.reset();
      break;
    case Fault::Kind::crash:
      if (f.a == kBusiestNode) {
        NodeIndex hub = 0;
        for (NodeIndex i = 1; i < adjacency_.size(); ++i) {
          if (adjacency_[i].size() > adjacency_[hub].size()) hub = i;
        }
        crash(hub);
      } else {
        crash(f.a);
      }
      break;
    case Fault::Kind::restart:
      restart(f.a);
      break;
    case Fault::Kind::pause:
      pause(f.a, f.pause_for);
      break;
    case Fault::Kind::slow:
      slots_[f.a].slow_until = now_ + f.pause_for;
      slots_[f.a].slow_by = f.slow_by;
      break;
  }
}

void World::crash(NodeIndex n) {
  Slot& s = slots_[n];
  if (!s.node) return;
  if (const auto* m = s.node->membership()) {
    s.incarnation = m->incarnation() + 1;
    s.membership_bytes_before += m->counters().bytes_out;
  }
  if (const auto* r = s.node->router()) s.routing_bytes_before += r->counters().bytes_out;
  s.node.reset();
  s.keys.reset();
  ++s.gen;
  s.armed.reset();
  s.paused = false;
  s.backlog.clear();
  s.in_flight.clear();
  s.down_since = now_;
  forget_connections(n);
}

void World::restart(NodeIndex n) {
  if (slots_[n].node) return;
  ++slots_[n].gen;
  boot(n);
}

void World::pause(NodeIndex n, Duration d) {
  Slot& s = slots_[n];
  if (!s.node || s.paused) return;
  s.paused = true;
  s.down_since = now_;
  queue_.push(now_ + d, Event{.kind = Event::Kind::resume, .node = n, .gen = s.gen});
}

void World::on_progress(Duration step, std::function<void(const World&)> fn) {
  HYPHAE_ASSERT(step.ns > 0);
  progress_ = std::move(fn);
  queue_.push(now_ + step,
              Event{.kind = Event::Kind::progress, .index = static_cast<std::uint32_t>(step.ns / 1'000'000)});
}

std::size_t World::messages_unresolved() const {
  std::size_t n = 0;
  for (const auto& s : slots_) {
    if (s.node) n += s.in_flight.size();
  }
  return n;
}

void World::fail_invariant(Violation v) {
  if (violation_) return;
  record(TraceKind::violation, v.node, kNoNode, 0, "violation");
  Report r{std::move(v), now_, trace_.last(40), {}};
  if (r.violation.node != kNoNode) r.recent_node = trace_.last(40, r.violation.node);
  violation_ = std::move(r);
}

void World::on_member_event(NodeIndex n, const membership::MemberEvent& e) {
  const auto subject = index_of(e.id);
  record(TraceKind::fault, n, subject.value_or(kNoNode), e.incarnation, membership::name(e.kind));
  if (!subject) {
    return fail_invariant(
        {"member_is_known", n, fmt::format("membership names unknown id {}", e.id.to_string())});
  }
  if (e.address != address(*subject)) {
    return fail_invariant({"member_address_matches", n,
                           fmt::format("n{} is at {}, membership says {}", *subject,
                                       address(*subject).to_string(), e.address.to_string())});
  }
  if (e.kind == membership::MemberEvent::Kind::suspect) ++stats_.suspicions;
  if (e.kind != membership::MemberEvent::Kind::failed) return;
  const Slot& s = slots_[*subject];
  if (s.node) {
    ++stats_.false_positives;  // up, perhaps paused: alive all the same
  } else if (s.down_since) {
    stats_.detection_ns.push_back((now_ - *s.down_since).ns);
  }
}

void World::check_membership_view() {
  if (!config_.membership) return;
  if (!membership_bytes_window_ && now_ >= Instant{} + scenario_.duration - kSteadyWindow) {
    membership_bytes_window_ = membership_bytes_out();
    membership_kinds_window_ = membership_bytes_by_kind();
  }
  if (membership_converged_at_) return;
  for (const auto& s : slots_) {
    if (s.node && s.node->membership()->size() < slots_.size()) return;
  }
  membership_converged_at_ = now_;
}

std::size_t World::undetected_crashes() const {
  std::size_t missing = 0;
  for (NodeIndex subject = 0; subject < size(); ++subject) {
    if (slots_[subject].node) continue;
    for (const auto& s : slots_) {
      if (s.node && s.node->membership() &&
          s.node->membership()->state_of(slots_[subject].identity->id) != membership::State::dead) {
        ++missing;
      }
    }
  }
  return missing;
}

std::optional<World::ViewShare> World::membership_view() const {
  if (!config_.membership) return std::nullopt;
  ViewShare v{.least = 1.0, .mean = 0.0};
  std::size_t live = 0;
  for (const auto& s : slots_) {
    if (!s.node || !s.node->membership()) continue;
    const double share =
        static_cast<double>(s.node->membership()->size()) / static_cast<double>(slots_.size());
    v.least = std::min(v.least, share);
    v.mean += share;
    ++live;
  }
  if (live == 0) return std::nullopt;
  v.mean /= static_cast<double>(live);
  return v;
}

std::uint64_t World::membership_bytes_out() const {
  std::uint64_t total = 0;
  for (const auto& s : slots_) {
    total += s.membership_bytes_before;
    if (s.node && s.node->membership()) total += s.node->membership()->counters().bytes_out;
  }
  return total;
}

std::array<std::uint64_t, membership::kTrafficKinds> World::membership_bytes_by_kind() const {
  std::array<std::uint64_t, membership::kTrafficKinds> total{};
  for (const auto& s : slots_) {
    if (!s.node || !s.node->membership()) continue;
    const auto& by = s.node->membership()->counters().bytes_out_by;
    for (std::size_t k = 0; k < total.size(); ++k) total[k] += by[k];
  }
  return total;
}

void World::run_checks() {
  check_membership_view();
  check_routing();
  if (violation_) return;
  for (const auto& inv : invariants_) {
    if (auto v = inv.check(*this)) {
      v->invariant = inv.name;
      return fail_invariant(std::move(*v));
    }
  }
}

void World::install_builtin_invariants() {
  // The cores' own view agrees with the simulator's: connected peers are real
  // nodes, at their real addresses, and never the node itself.
  add_invariant(
      {"peers_consistent", [](const World& w) -> std::optional<Violation> {
         for (NodeIndex n = 0; n < w.size(); ++n) {
           const node::Node* core = w.node(n);
           if (!core) continue;
           for (const auto& p : core->peers()) {
             if (p.state != "connected") continue;
             const auto idx = w.index_of(p.id);
             if (!idx) return Violation{{}, n, fmt::format("peers() lists unknown id {}", p.id.to_string())};
             if (*idx == n) return Violation{{}, n, "peers() lists the node itself"};
             if (!w.connected_peers(n).contains(*idx)) {
               return Violation{{},
                                n,
                                fmt::format("peers() lists n{} as connected without a PeerConnected "
                                            "event",
                                            *idx)};
             }
           }
         }
         return std::nullopt;
       }});
  add_invariant(
      {"outbox_bounded", [](const World& w) -> std::optional<Violation> {
         for (NodeIndex n = 0; n < w.size(); ++n) {
           const node::Node* core = w.node(n);
           if (core && core->outbox_size() > w.node_config().outbox_max) {
             return Violation{
                 {}, n, fmt::format("outbox holds {} > {}", core->outbox_size(), w.node_config().outbox_max)};
           }
         }
         return std::nullopt;
       }});
  // Failure detection is bounded: a peer that has been unreachable for longer
  // than the session timeout (plus one keepalive and a check interval) must
  // not still be reported connected.
  add_invariant({"failure_detected", [](const World& w) -> std::optional<Violation> {
                   const Duration bound = w.node_config().session_timeout +
                                          w.node_config().keepalive_interval + w.scenario().check_interval +
                                          seconds(1);
                   for (NodeIndex n = 0; n < w.size(); ++n) {
                     if (!w.node(n) || w.is_paused(n)) continue;
                     for (NodeIndex p : w.connected_peers(n)) {
                       const auto since = w.unreachable_since(n, p);
                       if (since && w.now() - *since > bound) {
                         return Violation{
                             {},
                             n,
                             fmt::format("still connected to n{}, unreachable since {} ({:.1f} s "
                                         "> bound {:.1f} s)",
                                         p, ms_text(*since), (w.now() - *since).seconds(), bound.seconds())};
                       }
                     }
                   }
                   return std::nullopt;
                 }});
}

void World::step(EventQueue<Event>::Item& item) {
  Event& e = item.value;
  switch (e.kind) {
    case Event::Kind::deliver:
      ++stats_.events;
      deliver(e.node, e.from, e.data, e.index == 1);
      break;
    case Event::Kind::tick: {
      Slot& s = slots_[e.node];
      if (e.gen != s.gen || !s.node || s.armed != item.at) return;  // stale
      s.armed.reset();
      if (s.paused) {
        s.tick_missed = true;
        return;
      }
      ++stats_.events;
      ++stats_.ticks;
      if (s.last_tick_at == now_) {
        if (++s.ticks_at_instant > kMaxTicksAtInstant) {
          return fail_invariant({"deadline_advances", e.node,
                                 fmt::format("{} ticks at one instant: poll_deadline() is not moving forward",
                                             s.ticks_at_instant)});
        }
      } else {
        s.last_tick_at = now_;
        s.ticks_at_instant = 0;
      }
      s.node->on_tick(now_);
      drain(e.node);
      break;
    }
    case Event::Kind::resume: {
      Slot& s = slots_[e.node];
      if (e.gen != s.gen || !s.node || !s.paused) return;
      ++stats_.events;
      s.paused = false;
      s.down_since.reset();
      record(TraceKind::fault, e.node, kNoNode, 0, "resume");
      while (!s.backlog.empty() && s.node && !violation_) {
        auto [from, data] = std::move(s.backlog.front());
        s.backlog.pop_front();
        ++stats_.delivered;
        record(TraceKind::deliver, e.node, from, data.size(), {}, data);
        s.node->on_datagram(now_, address(from), data);
        drain(e.node);
      }
      s.tick_missed = false;
      s.node->on_tick(now_);
      drain(e.node);
      break;
    }
    case Event::Kind::fault:
      ++stats_.events;
      apply(faults_[e.index]);
      break;
    case Event::Kind::check:
      run_checks();
      if (!reconverged_at_ && now_ >= last_fault_at_ && expected_pairs_connected()) reconverged_at_ = now_;
      queue_.push(now_ + scenario_.check_interval, Event{.kind = Event::Kind::check});
      break;
    case Event::Kind::traffic:
      ++stats_.events;
      send_traffic(e.node);
      break;
    case Event::Kind::progress:
      if (progress_) progress_(*this);
      queue_.push(now_ + milliseconds(e.index), Event{.kind = Event::Kind::progress, .index = e.index});
      break;
  }
  if (scenario_.check_every_event && !violation_) run_checks();
}

bool World::run_until(Instant until) {
  while (!violation_ && !queue_.empty() && queue_.next_time() <= until) {
    auto item = queue_.pop();
    HYPHAE_ASSERT(item.at >= now_);
    now_ = item.at;
    step(item);
  }
  if (!violation_ && until > now_) now_ = until;
  return !violation_;
}

bool World::run_until(const std::function<bool()>& done, Duration limit) {
  const Instant until = now_ + limit;
  while (!violation_ && !done() && !queue_.empty() && queue_.next_time() <= until) {
    auto item = queue_.pop();
    now_ = item.at;
    step(item);
  }
  return !violation_ && done();
}

}  // namespace hyphae::sim
