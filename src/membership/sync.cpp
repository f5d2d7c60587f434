// Anti-entropy (packet.hpp's Sync): pulls after a join and periodically,
// answers within byte budgets. Part of Membership; in its own file because it
// is a protocol of its own next to SWIM's probing and gossip.
#include <algorithm>
#include <utility>

#include "crypto/blake2b.hpp"
#include "membership/membership.hpp"
#include "membership/reconcile.hpp"
#include "wire/packet.hpp"

namespace hyphae::membership {
namespace {

constexpr std::size_t kMaxCookies = 4096;
constexpr std::uint32_t kIdSpace = 1u << 16;  // id prefixes: Sync ranges walk 0 .. 65535

}  // namespace

double Membership::TokenBucket::refill(Instant now, double rate, double burst) {
  tokens = std::min(burst, tokens + rate * std::max(0.0, (now - at).seconds()));
  at = now;
  return tokens;
}

std::uint64_t Membership::cookie_for(const Endpoint& e) const {
  Bytes addr(e.ip.begin(), e.ip.end());
  addr.push_back(static_cast<std::uint8_t>(e.port >> 8));
  addr.push_back(static_cast<std::uint8_t>(e.port));
  const auto mac = crypto::hmac_blake2b(cookie_key_, addr);
  std::uint64_t c = 0;
  for (std::size_t i = 0; i < 8; ++i) c = c << 8 | mac[i];
  return c == 0 ? 1 : c;
}

void Membership::answer_sync(Endpoint from, std::size_t request_size, const crypto::NodeId& sender,
                             bool stranger, const Sync& s, Instant now) {
  const Member* m = members_.find(sender);
  const bool member_here = m && m->address == from && m->state != State::dead && m->state != State::left;
  const bool proven = s.cookie == cookie_for(from) && member_here;
  counters_.syncs_answered += 1;
  if (s.cookie != 0 && !proven) counters_.sync_refused += 1;
  const double rate = static_cast<double>(config_.sync_bytes_per_second);
  const double tokens = sync_tokens_.refill(now, rate, static_cast<double>(config_.sync_burst_bytes));
  // Without the cookie, an answer is at most three times the request (QUIC's
  // anti-amplification factor) and one datagram.
  const std::size_t small = std::min(3 * request_size, wire::kMaxDatagram);
  const std::size_t most = proven ? config_.sync_answer_max : small;
  // A joiner's first request is answered even past the budget: if we are
  // its seed, we may be all it knows, and a few members let it pull from
  // others (the budget goes into a debt of at most one second's rate).
  const bool introduction = stranger && member_here;
  const std::size_t budget =
      introduction ? small : std::min(most, static_cast<std::size_t>(std::max(0.0, tokens)));
  const Answered sent = answer_range(from, s, budget);
  // Records are paid for. An answer without any (past the budget: its
  // header, no larger than the request) is not, or a member asked more often
  // than its budget allows would never again afford a record.
  if (sent.records > 0) sync_tokens_.tokens = std::max(tokens - static_cast<double>(sent.bytes), -rate);
}

Membership::Answered Membership::answer_range(Endpoint to, const Sync& request, std::size_t budget) {
  // A request without a range (none this build sends) asks for everything.
  const std::uint16_t first = request.ranged ? request.first : 0;
  const std::uint16_t last = request.ranged ? request.last : kIdSpace - 1;
  const FingerprintSet held(request.fingerprints);
  const auto wanted = [&](const crypto::NodeId& id, const Member& m) {
    return !held.contains(sync_fingerprint(id, m.state, m.incarnation, request.salt));
  };
  // Each datagram closes with the answer's header: the cookie, the range,
  // and on the last one `complete` if it held all the requester lacks (so a
  // requester whose view of the range matches ours moves on). Room for it is
  // kept while records are added.
  const Sync head{.reply = false, .cookie = cookie_for(to), .ranged = true, .first = first, .last = last};
  const std::size_t head_size = GossipWriter::size_of(head);
  Answered sent;
  GossipWriter w(identity_.id);
  const auto close = [&](bool complete) {
    Sync h = head;
    h.complete = complete;
    const bool fits = w.add(h);
    HYPHAE_ASSERT(fits);
    sent.bytes += w.size();
    send(to, w, false, Traffic::sync_answer);
  };
  // Adds a record to `to_w` if the budget, `spent` of it gone, still holds
  // it with the header that closes the datagram.
  const auto add = [&](GossipWriter& to_w, std::size_t spent, const RecordItem& item) {
    const std::size_t room = std::min(budget - std::min(budget, spent), wire::kMaxDatagram);
    return to_w.items() + 2 <= kMaxItems && room > head_size && to_w.add(item, room - head_size);
  };
  // False when the budget is spent.
  const auto offer = [&](const Bytes& record) {
    const RecordItem item{record};
    if (!add(w, sent.bytes, item)) {
      GossipWriter next(identity_.id);  // this datagram is full: the next, if the budget holds it
      if (w.items() == 0 || !add(next, sent.bytes + w.size() + head_size, item)) return false;
      close(false);
      w = std::move(next);
    }
    sent.records += 1;
    return true;
  };
  // Our own record first (the requester can pull from us again), then the
  // range from a random place in it, so answers from several members to one
  // requester cut short by their budgets carry different records.
  bool complete = true;
  const std::uint16_t own = id_prefix(identity_.id);
  if (own >= first && own <= last && wanted(identity_.id, self())) complete = offer(*self().record);
  const std::size_t lo = members_.first_at_or_after(first);
  const std::size_t span = members_.first_at_or_after(std::uint32_t{last} + 1) - lo;
  const std::size_t start = span > 1 ? rng_.below(span) : 0;
  for (std::size_t k = 0; k < span && complete; ++k) {
    const auto& [id, m] = members_.in_prefix_order(lo + (start + k) % span);
    if (id != identity_.id && wanted(id, m)) complete = offer(*m.record);
  }
  close(complete);
  counters_.sync_records_sent += sent.records;
  return sent;
}

void Membership::on_sync_answer(Endpoint from, const Sync& s) {
  if (s.cookie != 0) {
    if (cookies_.size() >= kMaxCookies) cookies_.clear();  // bounded; a lost cookie costs one small answer
    cookies_[from] = s.cookie;
  }
  const bool ours =
      s.ranged && pulls_.asked && pulls_.asked->first == s.first && pulls_.asked->last == s.last;
  if (!pulls_.active || !ours) return;
  if (!s.complete) {
    // Cut short. Without its cookie we were owed only a small answer: ask
    // the same member again, now, with the cookie it just sent. Else the
    // next pull asks another member for the rest of the range.
    if (pulls_.unproven) {
      pulls_.target = from;
      pulls_.next = last_now_;
    }
    return;
  }
  pulls_.asked.reset();
  pulls_.cursor = static_cast<std::uint32_t>(s.last) + 1;
  if (pulls_.cursor < kIdSpace) {
    return;  // on to the next range at the next pull
  }
  // A pass over the whole id space. A joiner pulls until a few passes in a
  // row see no member new to us, by any path (while a mass join goes on,
  // gossip keeps bringing news and answerers may know less than we do); a
  // periodic sync stops after one quiet pass.
  pulls_.cursor = 0;
  pulls_.quiet_passes = pulls_.discovered == 0 ? pulls_.quiet_passes + 1 : 0;
  pulls_.discovered = 0;
  if (pulls_.quiet_passes >= kQuietPasses) pulls_.active = false;
}

void Membership::pull(Instant now) {
  // Requests are paid from their own token bucket, and go at most four a
  // probe interval.
  const double rate = static_cast<double>(config_.pull_bytes_per_second);
  const double tokens = pull_tokens_.refill(now, rate, static_cast<double>(config_.pull_burst_bytes));
  if (tokens < 0) {
    pulls_.next = now + Duration{static_cast<std::int64_t>(-tokens / rate * 1e9) + 1};
    return;
  }
  pulls_.next = now + config_.probe_interval / 4;
  // The seed once more first (it hears of every member that joins through
  // it, so in a mass join it soon knows more than anyone we could pick), or
  // the member whose cookie we now hold.
  if (pulls_.target) {
    send_sync_request(*std::exchange(pulls_.target, std::nullopt));
    return;
  }
  const auto target = random_members(1, nullptr, now, false);
  if (target.empty()) {
    pulls_.next = now + config_.probe_interval;
    return;
  }
  send_sync_request(members_.get(target[0]).address);
}

void Membership::send_sync_request(Endpoint to) {
  const std::uint32_t first = pulls_.cursor;
  const auto salt = static_cast<std::uint32_t>(rng_.next_u64());
  // Our members from `first` on, in id order; if there are more than a
  // request lists, the range ends before the prefix where they run out.
  const std::size_t from = members_.first_at_or_after(first);
  const std::size_t max = std::clamp<std::size_t>(config_.sync_fingerprints_max, 1, kMaxSyncFingerprints);
  std::size_t end = std::min(members_.size(), from + max);
  std::uint32_t last = kIdSpace - 1;
  const auto prefix_at = [&](std::size_t i) { return id_prefix(members_.in_prefix_order(i).id); };
  if (end < members_.size()) {
    const std::uint16_t cut = prefix_at(end);
    if (cut > first) {
      last = cut - 1u;
      while (end > from && prefix_at(end - 1) > last) --end;
    } else {
      // More than a request holds share the first prefix (ids ground to
      // collide): list some, and the answer repeats a few records we hold.
      last = first;
    }
  }
  Bytes packed;
  packed.reserve(2 * (end - from));
  for (std::size_t i = from; i < end; ++i) {
    const auto& [id, m] = members_.in_prefix_order(i);
    const std::uint16_t fp = sync_fingerprint(id, m.state, m.incarnation, salt);
    packed.push_back(static_cast<std::uint8_t>(fp >> 8));
    packed.push_back(static_cast<std::uint8_t>(fp));
  }
  Sync s{.reply = true,
         .ranged = true,
         .salt = salt,
         .first = static_cast<std::uint16_t>(first),
         .last = static_cast<std::uint16_t>(last),
         .fingerprints = packed};
  const auto cookie = cookies_.find(to);
  if (cookie != cookies_.end()) s.cookie = cookie->second;
  pulls_.asked = Range{s.first, s.last};
  pulls_.unproven = cookie == cookies_.end();
  GossipWriter w(identity_.id);
  w.add(s);
  w.add(RecordItem{*self().record});  // the answerer may not know us yet
  pull_tokens_.tokens -= static_cast<double>(w.size());
  send(to, w, false, Traffic::sync_request);
}

}  // namespace hyphae::membership
