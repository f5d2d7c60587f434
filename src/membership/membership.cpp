#include "membership/membership.hpp"

#include <algorithm>
#include <cmath>

#include "base/assert.hpp"

namespace hyphae::membership {
namespace {

constexpr std::size_t kMaxRelays = 1024;
constexpr double kLossSmoothing = 0.2;   // EWMA weight of one probe outcome
constexpr double kRttSmoothing = 0.125;  // RFC 6298's alpha
constexpr Duration kJoinRetry = seconds(2);
constexpr Duration kReapEvery = seconds(1);
// Added to a queued discovery's transmit count, so it sorts after every state change.
constexpr std::uint32_t kDiscoveryRank = 1u << 16;

}  // namespace

std::string_view name(MemberEvent::Kind k) {
  switch (k) {
    case MemberEvent::Kind::discovered:
      return "node.discovered";
    case MemberEvent::Kind::suspect:
      return "node.suspect";
    case MemberEvent::Kind::failed:
      return "node.failed";
    case MemberEvent::Kind::recovered:
      return "node.recovered";
    case MemberEvent::Kind::left:
      return "node.left";
    case MemberEvent::Kind::address_changed:
      return "node.address_changed";
  }
  return "unknown";
}

std::string_view name(Traffic t) {
  switch (t) {
    case Traffic::probe:
      return "probe";
    case Traffic::gossip:
      return "gossip";
    case Traffic::sync_request:
      return "sync_request";
    case Traffic::sync_answer:
      return "sync_answer";
    case Traffic::other:
      return "other";
  }
  return "unknown";
}

// Lifeguard's local health stretches our own verdicts too, up to twice: a
// member that sees itself as slow (its acks and nacks arrive late) may be
// reading the refutation late, so it waits longer before it declares anyone
// dead. (Probe timeouts stretch up to awareness_max times; this is milder so
// a briefly unhealthy member still detects failures within the bound.)
Instant Membership::deadline_of(const Suspicion& s) const {
  const Duration d = s.timeout.after(s.confirmers.size());
  if (!config_.lifeguard) return s.start + d;
  return s.start + Duration{d.ns + d.ns * awareness_ / config_.awareness_max};
}

bool Membership::Suspicion::wants_confirmation() const {
  return confirmers.size() <= timeout.expected_confirmations;
}

Membership::Membership(const MembershipConfig& config, const crypto::Identity& identity, Verifier& verifier,
                       Endpoint advertise, std::uint64_t incarnation, Rng rng, Instant now)
    : config_(config),
      identity_(identity),
      verifier_(verifier),
      advertise_(advertise),
      incarnation_(incarnation),
      rng_(rng),
      last_now_(now),
      members_(rng_),
      next_seq_(static_cast<std::uint32_t>(rng_.next_u64())),
      sync_tokens_{.tokens = static_cast<double>(config.sync_burst_bytes), .at = now},
      pull_tokens_{.tokens = static_cast<double>(config.pull_burst_bytes), .at = now},
      discovery_tokens_{.tokens = static_cast<double>(config.discovery_burst_bytes), .at = now} {
  rng_.fill(cookie_key_);
  HYPHAE_ASSERT(config_.probe_interval > config_.probe_timeout);
  HYPHAE_ASSERT(config_.max_broadcasts >= 2);  // room for our own record and one more
  Member self;
  self.state = State::alive;
  self.incarnation = incarnation_;
  self.address = advertise_;
  self.record =
      verifier_.intern(make_record(identity_, State::alive, identity_.id, incarnation_, advertise_));
  self.since = self.first_seen = now;
  members_.push_back(identity_.id, std::move(self));
  // Spread the first probes over one interval so a mesh started at once does not probe in lockstep.
  next_probe_at_ =
      now +
      Duration{static_cast<std::int64_t>(rng_.below(static_cast<std::uint64_t>(config_.probe_interval.ns)))};
  next_gossip_at_ = now + config_.gossip_interval;
  // Spread syncs too, or a mesh started at once would pull tables in one burst.
  next_sync_at_ =
      now + Duration{static_cast<std::int64_t>(rng_.unit() * static_cast<double>(config_.sync_interval.ns))};
  next_reap_at_ = now + kReapEvery;
  recompute_deadline();
}

// ---- inputs ---------------------------------------------------------------

void Membership::on_packet(Instant now, Endpoint from, ByteView datagram) {
  HYPHAE_ASSERT(now >= last_now_);
  last_now_ = now;
  counters_.packets_in += 1;
  counters_.bytes_in += datagram.size();
  auto packet = decode_gossip(datagram);
  if (!packet) {
    counters_.malformed += 1;
    return;
  }
  if (packet->sender == identity_.id) {
    counters_.malformed += 1;  // our own id from elsewhere: a reflection or a clone
    return;
  }
  // Records first, so a join's alive record makes its sync request answerable.
  const bool stranger = !members_.contains(packet->sender);
  std::optional<Sync> sync;
  for (std::size_t i = 0; i < packet->count; ++i) {
    if (const auto* s = std::get_if<Sync>(&packet->items[i])) sync = *s;
  }
  // A sync answer is part of a member's table: old news to everyone but
  // us, so it updates our view without being gossiped on (a mass join would
  // otherwise re-flood every record once per joiner).
  const bool answer = sync && !sync->reply;
  quiet_merge_ = answer;
  corrections_.clear();
  for (std::size_t i = 0; i < packet->count; ++i) {
    if (const auto* rec = std::get_if<RecordItem>(&packet->items[i])) consider(now, rec->bytes);
  }
  quiet_merge_ = false;
  send_corrections(from, datagram.size());
  for (std::size_t i = 0; i < packet->count; ++i) {
    std::visit(
        [&](const auto& it) {
          using T = std::decay_t<decltype(it)>;
          if constexpr (std::is_same_v<T, Ping>) on_ping(now, from, it);
          if constexpr (std::is_same_v<T, Ack>) on_ack(now, it);
          if constexpr (std::is_same_v<T, PingReq>) on_ping_req(now, from, it);
          if constexpr (std::is_same_v<T, Nack>) on_nack(it);
        },
        packet->items[i]);
  }
  if (answer && members_.size() > 1 &&
      std::any_of(joins_.begin(), joins_.end(), [&](const JoinTarget& j) { return j.address == from; })) {
    // A seed answered: we pull from it once more, then from random members,
    // so ten thousand simultaneous joiners do not all queue at one seed.
    joins_.clear();
    pulls_.active = true;
    pulls_.target = from;
  }
  if (sync && sync->reply) answer_sync(from, datagram.size(), packet->sender, stranger, *sync, now);
  if (answer) on_sync_answer(from, *sync);
  recompute_deadline();
}

void Membership::on_tick(Instant now) {
  HYPHAE_ASSERT(now >= last_now_);
  last_now_ = now;
  if (left_) {
    deadline_.reset();
    return;
  }
  if (probe_ && !probe_->acked && !probe_->indirect_sent && now >= probe_->indirect_at) send_indirect(now);
  if (now >= next_probe_at_) {
    finish_probe(now);
    start_probe(now);
  }
  for (auto it = relays_.begin(); it != relays_.end();) {
    Relay& r = it->second;
    if (config_.lifeguard && !r.nacked && now >= r.nack_at) {
      GossipWriter w(identity_.id);
      w.add(Nack{r.their_seq});
      send(r.requester, w, false, Traffic::probe);
      r.nacked = true;
    }
    it = now >= r.expires ? relays_.erase(it) : std::next(it);
  }
  // Suspicions that ran out: the member is dead (collect first: declaring edits the map).
  std::vector<crypto::NodeId> expired;
  for (const auto& [id, s] : suspicions_) {
    if (now >= deadline_of(s)) expired.push_back(id);
  }
  for (const auto& id : expired) {
    suspicions_.erase(id);
    const Member* m = members_.find(id);
    if (m && m->state == State::suspect) {
      counters_.deaths_declared += 1;
      declare(now, State::dead, id);
    }
  }
  if (now >= next_gossip_at_) {
    gossip(now);
    next_gossip_at_ = now + config_.gossip_interval;
  }
  for (auto& j : joins_) {
    if (now < j.next) continue;
    send_sync_request(j.address);  // until a seed answers (on_packet then starts pulling)
    j.next = now + kJoinRetry;
  }
  if (pulls_.active && now >= pulls_.next) pull(now);
  if (now >= next_sync_at_) {
    // memberlist's pushPullScale: beyond 32 members, slow down by log2(N / 32) + 1.
    const double n = static_cast<double>(members_.size());
    const double scale = n <= 32 ? 1.0 : std::ceil(std::log2(n) - std::log2(32.0)) + 1.0;
    next_sync_at_ =
        now + Duration{static_cast<std::int64_t>(scale * static_cast<double>(config_.sync_interval.ns) *
                                                 (0.75 + 0.5 * rng_.unit()))};
    if (!pulls_.active) {
      // One pass over the id space: a few small requests when our view matches.
      pulls_ = Pulls{.active = true, .next = now, .quiet_passes = kQuietPasses - 1};
      pull(now);
    }
  }
  if (now >= next_reap_at_) {
    reap(now);
    next_reap_at_ = now + kReapEvery;
  }
  recompute_deadline();
}

void Membership::join(Instant now, const std::vector<Endpoint>& seeds) {
  for (const auto& s : seeds) {
    if (s == advertise_) continue;
    const bool known =
        std::any_of(joins_.begin(), joins_.end(), [&](const JoinTarget& j) { return j.address == s; });
    if (!known) joins_.push_back({.address = s, .next = now});
  }
  on_tick(now);
}

void Membership::leave(Instant now) {
  if (left_) return;
  Member& self = members_.get(identity_.id);
  set_state(now, identity_.id, self, State::left, incarnation_,
            verifier_.intern(make_record(identity_, State::left, identity_.id, incarnation_, advertise_)));
  // Tell several members directly; gossip would need more ticks than a shutdown has.
  const std::size_t fanout = std::max<std::size_t>(config_.gossip_fanout * 2, 4);
  for (const auto& id : random_members(fanout, nullptr, now, false)) {
    GossipWriter w(identity_.id);
    w.add(RecordItem{*self.record});
    send(members_.get(id).address, w, false, Traffic::other);
  }
  left_ = true;
  deadline_.reset();
}

void Membership::note_authenticated(const crypto::NodeId& id) {
  if (Member* m = members_.find(id)) m->good += 1;
}

// ---- records ----------------------------------------------------------------

Membership::Applied Membership::consider(Instant now, ByteView bytes) {
  auto rec = decode_record(bytes);
  if (!rec) {
    counters_.malformed += 1;
    return Applied::unchanged;
  }
  const Record& r = *rec;
  // Cheap checks before the signature: most gossip is news we already have.
  if (const Member* known = members_.find(r.subject)) {
    const Member& m = *known;
    if (r.incarnation < m.incarnation) {
      counters_.stale += 1;
      // The sender believes an old suspicion or death: it may be about to
      // declare a live member dead. Tell it what we know (on_packet answers).
      if (config_.lifeguard && (r.state == State::suspect || r.state == State::dead) &&
          m.state == State::alive) {
        corrections_.push_back(r.subject);
      }
      return Applied::unchanged;
    }
    const bool same = r.incarnation == m.incarnation;
    if (same && r.state == State::alive) {
      counters_.duplicate += 1;  // an alive record needs a higher incarnation to override anything
      return Applied::unchanged;
    }
    if ((m.state == State::dead || m.state == State::left) && r.state != State::alive &&
        r.subject != identity_.id) {
      counters_.duplicate += 1;
      return Applied::unchanged;
    }
  } else if (r.state != State::alive && r.state != State::dead) {
    counters_.duplicate += 1;  // news about a member we never saw alive: nothing to update
    return Applied::unchanged;
  }
  auto signer_id = verifier_.id_of(r.signer);
  if (!signer_id) {
    counters_.key_mismatch += 1;
    return Applied::unchanged;
  }
  const bool self_signed = r.state == State::alive || r.state == State::left;
  if (self_signed && *signer_id != r.subject) {
    counters_.key_mismatch += 1;
    return Applied::unchanged;
  }
  if (!self_signed) {
    // Any member may declare another suspect or dead (SWIM); the subject
    // refutes a false claim. A declarer we have not met is accepted: a
    // table datagram we lost may be all that hid it. A member cannot
    // declare itself (that is `left`), nor can one we hold dead.
    const Member* d = members_.find(*signer_id);
    if (*signer_id == r.subject || (d && (d->state == State::dead || d->state == State::left))) {
      counters_.bad_declarer += 1;
      return Applied::unchanged;
    }
  }
  if (!verifier_.verify(r.signer, signed_part(bytes), r.signature)) {
    counters_.bad_signature += 1;
    if (Member* s = members_.find(*signer_id)) s->bad += 1;
    return Applied::unchanged;
  }
  if (Member* s = members_.find(*signer_id)) s->good += 1;
  return apply(now, r, *signer_id, bytes);
}

Membership::Applied Membership::apply(Instant now, const Record& r, const crypto::NodeId& declarer,
                                      ByteView bytes) {
  if (r.subject == identity_.id) {
    // Others think we are suspect or dead, or a record of ours from an earlier
    // run is about: move past it with a higher incarnation.
    if (!left_ && r.incarnation >= incarnation_) refute(now, r.incarnation);
    return Applied::unchanged;
  }
  Member* found = members_.find(r.subject);
  if (!found) {
    // A dead member we never saw alive (a table datagram of ours was lost)
    // is kept as a tombstone, so a stale alive of it cannot bring it back.
    HYPHAE_ASSERT(r.state == State::alive || r.state == State::dead);
    if (members_.size() >= config_.max_members) {
      counters_.table_full += 1;
      return Applied::unchanged;
    }
    Member fresh;
    fresh.first_seen = fresh.since = now;
    pulls_.discovered += 1;
    // New members join the probe round at a random place (memberlist does the
    // same); the one that stood there moves to the end, still ahead this round.
    const std::size_t last = members_.push_back(r.subject, std::move(fresh));
    const std::size_t pos = rng_.below(last + 1);
    members_.swap_positions(pos, last);
    Member& m = members_.at(pos).value;
    auto record = verifier_.intern(bytes);
    set_state(now, r.subject, m, r.state, r.incarnation, record);
    if (r.state == State::alive) {
      m.address = r.address;
      emit(MemberEvent::Kind::discovered, r.subject, m);
    }
    // A member new to us goes after state changes: in a mass join it is
    // mostly old news that pulls carry anyway, and a death must not wait behind it.
    queue_broadcast(r.subject, std::move(record), r.state == State::alive);
    return Applied::changed;
  }
  Member& m = *found;
  auto record = verifier_.intern(bytes);
  switch (r.state) {
    case State::alive: {
      // Only a higher incarnation gets here (consider() filtered the rest).
      const State before = m.state;
      const Endpoint old_address = m.address;
      set_state(now, r.subject, m, State::alive, r.incarnation, record);
      m.address = r.address;
      suspicions_.erase(r.subject);
      if (before == State::suspect || before == State::dead || before == State::left) {
        emit(MemberEvent::Kind::recovered, r.subject, m);
      } else if (old_address != m.address) {
        emit(MemberEvent::Kind::address_changed, r.subject, m);
      }
      break;
    }
    case State::suspect: {
      if (m.state == State::suspect && r.incarnation == m.incarnation) {
        auto s = suspicions_.find(r.subject);
        if (s == suspicions_.end() || !s->second.wants_confirmation() ||
            !s->second.confirmers.insert(declarer).second) {
          counters_.duplicate += 1;
          return Applied::unchanged;
        }
        queue_broadcast(r.subject, record);  // a confirmation: pass it on
        return Applied::confirmed;
      }
      if (m.state != State::alive && m.state != State::suspect) return Applied::unchanged;
      set_state(now, r.subject, m, State::suspect, r.incarnation, record);
      const auto n = members_.size();
      const Duration min = suspicion_min(config_.suspicion_mult, n, config_.probe_interval);
      Suspicion s{.start = now, .timeout = {.min = min, .max = min}, .confirmers = {declarer}};
      if (config_.lifeguard) {
        s.timeout.max =
            Duration{static_cast<std::int64_t>(config_.suspicion_max_mult * static_cast<double>(min.ns))};
        const auto k = static_cast<std::size_t>(std::max(0.0, config_.suspicion_mult - 2.0));
        s.timeout.expected_confirmations = n >= k + 2 ? k : 0;
        // Confirm or refute it ourselves soon. In a big mesh a few volunteers suffice.
        const double p = std::min(1.0, 4.0 * static_cast<double>(k + 1) / static_cast<double>(n));
        if (rng_.unit() < p) probe_soon_.push_back(r.subject);
      }
      suspicions_[r.subject] = std::move(s);
      emit(MemberEvent::Kind::suspect, r.subject, m);
      break;
    }
    case State::dead:
    case State::left:
      set_state(now, r.subject, m, r.state, r.incarnation, record);
      suspicions_.erase(r.subject);
      emit(r.state == State::dead ? MemberEvent::Kind::failed : MemberEvent::Kind::left, r.subject, m);
      break;
  }
  queue_broadcast(r.subject, std::move(record));
  return Applied::changed;
}

void Membership::set_state(Instant now, const crypto::NodeId& id, Member& m, State s, std::uint64_t inc,
                           std::shared_ptr<const Bytes> record) {
  if (m.state == State::alive || m.state == State::suspect) m.up_before += now - m.since;
  const bool gone =
      (s == State::dead || s == State::left) && m.state != State::dead && m.state != State::left;
  m.state = s;
  m.incarnation = inc;
  m.since = now;
  m.record = std::move(record);
  if (gone && id != identity_.id) reap_queue_.emplace_back(now + config_.dead_retention, id);
}

void Membership::refute(Instant now, std::uint64_t seen) {
  incarnation_ = std::max(incarnation_, seen) + 1;
  counters_.refutations += 1;
  Member& self = members_.get(identity_.id);
  set_state(now, identity_.id, self, State::alive, incarnation_,
            verifier_.intern(make_record(identity_, State::alive, identity_.id, incarnation_, advertise_)));
  queue_broadcast(identity_.id, self.record);
  if (config_.lifeguard) adjust_awareness(1);  // being suspected hints that we are the slow one
}

void Membership::declare(Instant now, State s, const crypto::NodeId& id) {
  const Member& m = members_.get(id);
  Bytes rec = make_record(identity_, s, id, m.incarnation, {});
  Record r;
  r.state = s;
  r.subject = id;
  r.incarnation = m.incarnation;
  if (s == State::suspect && m.state == State::suspect) {
    // Already suspected at this incarnation: ours is one more confirmation.
    auto sus = suspicions_.find(id);
    if (sus != suspicions_.end() && sus->second.wants_confirmation() &&
        sus->second.confirmers.insert(identity_.id).second) {
      queue_broadcast(id, verifier_.intern(rec));
    }
    return;
  }
  apply(now, r, identity_.id, rec);
}

void Membership::queue_broadcast(const crypto::NodeId& subject, std::shared_ptr<const Bytes> record,
                                 bool discovery) {
  if (quiet_merge_ && subject != identity_.id) return;
  // A newer record about a member replaces the queued one (memberlist's invalidation).
  if (auto it = broadcasts_.find(subject); it != broadcasts_.end()) {
    broadcast_order_.erase({it->second.transmits, it->second.order, subject});
  }
  // Our own record (a refutation) goes ahead of others sent as often: a
  // suspicion of us must not run out while we gossip our own suspicions.
  Broadcast b{.record = std::move(record),
              .transmits = discovery ? kDiscoveryRank : 0,
              .order = subject == identity_.id ? 0 : ++broadcast_seq_,
              .queued = last_now_};
  broadcast_order_.insert({b.transmits, b.order, subject});
  broadcasts_[subject] = std::move(b);
  // Bounded, as serf bounds memberlist's queue (MaxQueueDepth): past the cap
  // the oldest of the most-sent records goes, never our own. Table pulls
  // still carry what gossip dropped.
  while (broadcasts_.size() > config_.max_broadcasts) {
    const std::uint32_t most_sent = std::get<0>(*broadcast_order_.rbegin());
    auto victim = broadcast_order_.lower_bound({most_sent, 0, crypto::NodeId{}});
    if (std::get<2>(*victim) == identity_.id) {
      victim = std::next(victim) != broadcast_order_.end() ? std::next(victim) : std::prev(victim);
    }
    broadcasts_.erase(std::get<2>(*victim));
    broadcast_order_.erase(victim);
  }
}

void Membership::emit(MemberEvent::Kind kind, const crypto::NodeId& id, const Member& m) {
  events_.push_back({.kind = kind, .id = id, .address = m.address, .incarnation = m.incarnation});
  if (kind == MemberEvent::Kind::suspect) counters_.suspicions += 1;
}

// ---- probing ------------------------------------------------------------------

std::optional<crypto::NodeId> Membership::next_probe_target() {
  while (!probe_soon_.empty()) {
    const crypto::NodeId id = probe_soon_.front();
    probe_soon_.pop_front();
    if (const Member* m = members_.find(id); m && m->state == State::suspect) return id;
  }
  for (std::size_t tries = 0; tries <= members_.size(); ++tries) {
    if (probe_pos_ >= members_.size()) {
      members_.shuffle(rng_);  // end of a round
      probe_pos_ = 0;
    }
    const auto& [id, m] = members_.at(probe_pos_++);
    if (id != identity_.id && (m.state == State::alive || m.state == State::suspect)) return id;
  }
  return std::nullopt;
}

void Membership::start_probe(Instant now) {
  next_probe_at_ = now + scaled(config_.probe_interval);
  auto target = next_probe_target();
  if (!target) return;
  const Member& m = members_.get(*target);
  probe_ = Probe{.seq = ++next_seq_,
                 .target = *target,
                 .address = m.address,
                 .sent = now,
                 .indirect_at = now + scaled(config_.probe_timeout)};
  counters_.probes += 1;
  GossipWriter w(identity_.id);
  w.add(Ping{probe_->seq, *target});
  // Our own record rides along: a member whose table missed us (a lost table
  // datagram) learns of us within one of our probe rounds.
  w.add(RecordItem{*self().record});
  // Lifeguard's buddy system: a suspect hears of it from the probe itself.
  if (config_.lifeguard && m.state == State::suspect) w.add(RecordItem{*m.record});
  send(m.address, w, true, Traffic::probe);
}

void Membership::finish_probe(Instant now) {
  if (!probe_) return;
  const Probe p = *probe_;
  probe_.reset();
  Member* found = members_.find(p.target);
  if (!found) return;
  Member& m = *found;
  if (p.acked) {
    m.observe().loss *= 1 - kLossSmoothing;
    adjust_awareness(-1);
    return;
  }
  counters_.probe_failures += 1;
  m.observe().loss = (1 - kLossSmoothing) * m.observe().loss + kLossSmoothing;
  m.bad += 1;
  // Lifeguard: indirect probers that did not even nack suggest the fault is ours.
  if (config_.lifeguard) {
    adjust_awareness(
        p.expected_nacks > 0 ? static_cast<int>(p.expected_nacks - std::min(p.nacks, p.expected_nacks)) : 1);
  }
  if (m.state == State::alive || m.state == State::suspect) declare(now, State::suspect, p.target);
}

void Membership::send_indirect(Instant now) {
  Probe& p = *probe_;
  p.indirect_sent = true;
  auto helpers = random_members(config_.indirect_probes, &p.target, now, false);
  for (const auto& h : helpers) {
    GossipWriter w(identity_.id);
    w.add(PingReq{p.seq, p.target, p.address});
    send(members_.get(h).address, w, false, Traffic::probe);
    counters_.indirect_probes += 1;
  }
  if (config_.lifeguard) p.expected_nacks = helpers.size();
  // A second direct ping alongside the indirect ones (memberlist sends its
  // TCP ping here): one lost datagram should not make a suspect.
  GossipWriter w(identity_.id);
  w.add(Ping{p.seq, p.target});
  send(p.address, w, false, Traffic::probe);
}

void Membership::on_ack(Instant now, const Ack& a) {
  // Relayed probes and our own draw sequence numbers from one counter, so they never collide.
  if (auto r = relays_.find(a.seq); r != relays_.end() && !a.forwarded) {
    GossipWriter w(identity_.id);
    w.add(Ack{.seq = r->second.their_seq, .forwarded = true});
    send(r->second.requester, w, false, Traffic::probe);
    relays_.erase(r);
    return;
  }
  if (!probe_ || probe_->seq != a.seq) {
    counters_.unexpected_ack += 1;
    return;
  }
  if (probe_->acked) return;
  probe_->acked = true;
  Member* m = members_.find(probe_->target);
  if (!m) return;
  m->good += 1;
  Observed& o = m->observe();
  o.last_ack = now;
  if (!a.forwarded && !probe_->indirect_sent) {  // later acks may answer the second ping: no RTT sample
    const Duration sample = now - probe_->sent;
    o.srtt = o.srtt
                 ? Duration{static_cast<std::int64_t>((1 - kRttSmoothing) * static_cast<double>(o.srtt->ns) +
                                                      kRttSmoothing * static_cast<double>(sample.ns))}
                 : sample;
    if (a.resources) o.resources = a.resources;
  }
}

void Membership::on_nack(const Nack& n) {
  if (probe_ && probe_->seq == n.seq && probe_->nacks < probe_->expected_nacks) {
    probe_->nacks += 1;
  } else {
    counters_.unexpected_ack += 1;
  }
}

void Membership::on_ping(Instant /*now*/, Endpoint from, const Ping& p) {
  if (p.target != identity_.id) {
    counters_.wrong_target += 1;
    return;
  }
  GossipWriter w(identity_.id);
  w.add(Ack{.seq = p.seq, .forwarded = false, .resources = resources_});
  send(from, w, true, Traffic::probe);
}

void Membership::on_ping_req(Instant now, Endpoint from, const PingReq& p) {
  if (relays_.size() >= kMaxRelays || p.target == identity_.id) {
    counters_.sync_refused += 1;
    return;
  }
  const std::uint32_t seq = ++next_seq_;
  relays_[seq] = Relay{.their_seq = p.seq,
                       .requester = from,
                       .nack_at = now + config_.probe_timeout * 4 / 5,
                       .expires = now + config_.probe_interval};
  GossipWriter w(identity_.id);
  w.add(Ping{seq, p.target});
  send(p.target_address, w, false, Traffic::probe);
}

void Membership::adjust_awareness(int delta) {
  if (!config_.lifeguard) return;
  awareness_ = std::clamp(awareness_ + delta, 0, config_.awareness_max - 1);
}

Duration Membership::scaled(Duration d) const { return config_.lifeguard ? d * (awareness_ + 1) : d; }

// ---- dissemination --------------------------------------------------------------

std::uint32_t Membership::retransmit_limit() const {
  const double n = static_cast<double>(members_.size());
  return static_cast<std::uint32_t>(config_.retransmit_mult * std::ceil(std::log10(n + 1.0)));
}

void Membership::piggyback(GossipWriter& w) {
  if (broadcasts_.empty()) return;
  const std::uint32_t limit = retransmit_limit();
  std::vector<std::tuple<std::uint32_t, std::uint64_t, crypto::NodeId>> sent;
  // News of members new to us (a mass join's, mostly) is paid from a byte
  // budget, sent after every state change and only while the budget lasts:
  // sync answers carry it too. State changes are not held back: deaths and
  // refutations must spread at once, and SWIM bounds them already (a few
  // per failure, each sent retransmit_limit() times).
  double& tokens = discovery_tokens_.tokens;
  discovery_tokens_.refill(last_now_, static_cast<double>(config_.discovery_bytes_per_second),
                           static_cast<double>(config_.discovery_burst_bytes));
  // A record that does not fit is skipped, as a smaller one further on may;
  // but only a few times, or a long queue (a mass join) is walked per datagram.
  constexpr int kMaxMisses = 4;
  int misses = 0;
  for (auto it = broadcast_order_.begin();
       it != broadcast_order_.end() && w.room() >= kMinRecordSize && misses < kMaxMisses;) {
    const auto& [transmits, order, subject] = *it;
    Broadcast& b = broadcasts_.at(subject);
    const double cost = static_cast<double>(b.record->size() + 3);
    const bool discovery = transmits >= kDiscoveryRank;
    if (discovery && last_now_ - b.queued >= config_.discovery_gossip_for) {
      broadcasts_.erase(subject);  // old news: sync has carried it
      it = broadcast_order_.erase(it);
      continue;
    }
    if (discovery && tokens < cost) break;  // the rest of the queue is discoveries too
    if (!w.add(RecordItem{*b.record})) {
      ++it;
      ++misses;
      continue;
    }
    if (discovery) tokens -= cost;
    sent.emplace_back(transmits + 1, order, subject);
    it = broadcast_order_.erase(it);
  }
  for (const auto& [transmits, order, subject] : sent) {
    if ((transmits & (kDiscoveryRank - 1)) >= limit) {
      broadcasts_.erase(subject);
    } else {
      broadcasts_.at(subject).transmits = transmits;
      broadcast_order_.insert({transmits, order, subject});
    }
  }
}

void Membership::send(Endpoint to, GossipWriter& w, bool with_gossip, Traffic kind) {
  const std::size_t before = w.size();
  if (with_gossip) piggyback(w);
  if (kind == Traffic::gossip && w.items() == 0) return;  // nothing was due or the budget is spent
  Bytes data = w.finish();
  counters_.packets_out += 1;
  counters_.bytes_out += data.size();
  counters_.bytes_out_by[static_cast<std::size_t>(kind)] += before;
  counters_.bytes_out_by[static_cast<std::size_t>(Traffic::gossip)] += data.size() - before;
  transmits_.push_back({to, std::move(data)});
}

void Membership::gossip(Instant now) {
  if (broadcasts_.empty()) return;
  for (const auto& id : random_members(config_.gossip_fanout, nullptr, now, true)) {
    if (broadcasts_.empty()) break;
    GossipWriter w(identity_.id);
    send(members_.get(id).address, w, true, Traffic::gossip);
  }
}

void Membership::send_corrections(Endpoint to, std::size_t request_size) {
  if (corrections_.empty()) return;
  // One datagram of newer alive records back, at most three times what came
  // in (the anti-amplification bound the sync answer keeps too).
  GossipWriter w(identity_.id);
  for (const auto& id : corrections_) {
    const Bytes& rec = *members_.get(id).record;
    if (w.size() + rec.size() + 3 > 3 * request_size || !w.add(RecordItem{rec})) break;
  }
  if (w.items() == 0) return;
  counters_.corrections += 1;
  send(to, w, false, Traffic::other);
}

std::vector<crypto::NodeId> Membership::random_members(std::size_t k, const crypto::NodeId* exclude,
                                                       Instant now, bool include_recent_dead) {
  std::vector<crypto::NodeId> out;
  if (members_.size() <= 1 || k == 0) return out;
  // Rejection sampling with a bounded number of draws: O(k), not O(N).
  const std::size_t draws = 4 * k + 8;
  for (std::size_t d = 0; d < draws && out.size() < k; ++d) {
    const auto& [id, m] = members_.at(rng_.below(members_.size()));
    if (id == identity_.id || (exclude && id == *exclude)) continue;
    if (std::find(out.begin(), out.end(), id) != out.end()) continue;
    const bool up = m.state == State::alive || m.state == State::suspect;
    const bool recent_dead =
        include_recent_dead && m.state == State::dead && now - m.since < config_.gossip_to_dead;
    if (up || recent_dead) out.push_back(id);
  }
  return out;
}

void Membership::reap(Instant now) {
  while (!reap_queue_.empty() && reap_queue_.front().first <= now) {
    const crypto::NodeId id = reap_queue_.front().second;
    reap_queue_.pop_front();
    const Member* m = members_.find(id);
    if (!m || (m->state != State::dead && m->state != State::left)) continue;
    if (now - m->since < config_.dead_retention) continue;  // died again later: its own entry follows
    forget(id);
  }
}

void Membership::forget(const crypto::NodeId& id) {
  std::size_t pos = members_.position(id);
  // Keep the round whole: a member not yet probed this round must stay at or
  // after probe_pos_ when the last entry moves into the freed position.
  if (pos < probe_pos_) {
    members_.swap_positions(pos, probe_pos_ - 1);
    pos = --probe_pos_;
  }
  members_.erase_at(pos);
  if (auto b = broadcasts_.find(id); b != broadcasts_.end()) {
    broadcast_order_.erase({b->second.transmits, b->second.order, id});
    broadcasts_.erase(b);
  }
}

void Membership::recompute_deadline() {
  if (left_) {
    deadline_.reset();
    return;
  }
  Instant d = std::min({next_probe_at_, next_gossip_at_, next_sync_at_, next_reap_at_});
  if (probe_ && !probe_->acked && !probe_->indirect_sent) d = std::min(d, probe_->indirect_at);
  for (const auto& [seq, r] : relays_)
    d = std::min(d, r.nacked || !config_.lifeguard ? r.expires : r.nack_at);
  for (const auto& [id, s] : suspicions_) d = std::min(d, deadline_of(s));
  for (const auto& j : joins_) d = std::min(d, j.next);
  if (pulls_.active) d = std::min(d, pulls_.next);
  deadline_ = d;
}

// ---- outputs and queries ------------------------------------------------------------

std::optional<MembershipTransmit> Membership::poll_transmit() {
  if (transmits_.empty()) return std::nullopt;
  auto t = std::move(transmits_.front());
  transmits_.pop_front();
  return t;
}

std::optional<MemberEvent> Membership::poll_event() {
  if (events_.empty()) return std::nullopt;
  auto e = events_.front();
  events_.pop_front();
  return e;
}

std::optional<Instant> Membership::poll_deadline() const { return deadline_; }

std::size_t Membership::alive_count() const {
  return static_cast<std::size_t>(std::count_if(members_.begin(), members_.end(), [](const auto& e) {
    return e.value.state == State::alive || e.value.state == State::suspect;
  }));
}

std::array<std::size_t, 4> Membership::count_by_state() const {
  std::array<std::size_t, 4> out{};
  for (const auto& [id, m] : members_) {
    if (id != identity_.id) out[static_cast<std::size_t>(m.state) - 1] += 1;
  }
  return out;
}

std::optional<State> Membership::state_of(const crypto::NodeId& id) const {
  const Member* m = members_.find(id);
  if (!m) return std::nullopt;
  return m->state;
}

std::optional<crypto::SigningPublicKey> Membership::signing_key_of(const crypto::NodeId& id) const {
  const Member* m = members_.find(id);
  if (!m || (m->state != State::alive && m->state != State::left)) return std::nullopt;
  auto r = decode_record(*m->record);
  if (!r) return std::nullopt;
  return r->signer;
}

HealthInputs Membership::health_inputs(const Member& m, Instant now) const {
  HealthInputs in;
  if (m.observed) {
    in.rtt = m.observed->srtt;
    in.loss = m.observed->loss;
    in.resources = m.observed->resources;
  }
  const Duration observed = now - m.first_seen;
  Duration up = m.up_before;
  if (m.state == State::alive || m.state == State::suspect) up += now - m.since;
  in.availability = observed.ns <= 0 ? 1.0 : std::min(1.0, up.seconds() / observed.seconds());
  in.good_interactions = m.good;
  in.bad_interactions = m.bad;
  return in;
}

MemberView Membership::view_of(const crypto::NodeId& id, const Member& m, Instant now) const {
  return MemberView{.id = id,
                    .state = m.state,
                    .incarnation = m.incarnation,
                    .address = m.address,
                    .since = m.since,
                    .last_ack = m.observed ? m.observed->last_ack : std::nullopt,
                    .health = health_score(health_inputs(m, now)),
                    .resources = m.observed ? m.observed->resources : std::nullopt,
                    .rtt = m.observed ? m.observed->srtt : std::nullopt};
}

std::optional<MemberView> Membership::member(const crypto::NodeId& id, Instant now) const {
  const Member* m = members_.find(id);
  if (!m) return std::nullopt;
  return view_of(id, *m, now);
}

std::vector<MemberView> Membership::members(Instant now) const {
  std::vector<MemberView> out;
  out.reserve(members_.size());
  for (const auto& [id, m] : members_) {
    if (id != identity_.id) out.push_back(view_of(id, m, now));
  }
  std::sort(out.begin(), out.end(), [](const MemberView& a, const MemberView& b) { return a.id < b.id; });
  return out;
}

std::optional<std::pair<crypto::NodeId, Endpoint>> Membership::random_alive(Rng& rng) const {
  for (int tries = 0; tries < 16 && members_.size() > 1; ++tries) {
    const auto& [id, m] = members_.at(rng.below(members_.size()));
    if (id != identity_.id && m.state == State::alive) return std::make_pair(id, m.address);
  }
  return std::nullopt;
}

}  // namespace hyphae::membership
