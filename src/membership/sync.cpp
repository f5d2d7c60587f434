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
constexpr std::size_t kRichAnswer = 4;        // answer bytes per request byte that let us pull again soon

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
                             const Sync& s, Instant now) {
  const Member* m = members_.find(sender);
  const bool member_here = m && m->address == from && m->state != State::dead && m->state != State::left;
  const bool proven = s.cookie == cookie_for(from) && member_here;
  counters_.syncs_answered += 1;
  if (s.cookie != 0 && !proven) counters_.sync_refused += 1;
  const double rate = static_cast<double>(config_.sync_bytes_per_second);
  const double tokens = sync_tokens_.refill(now, rate, static_cast<double>(config_.sync_burst_bytes));
  // Past the budget, or without the cookie, an answer is still up to three
  // times the request (QUIC's anti-amplification factor) and one datagram,
  // so a joiner that knows only us learns of others to pull from.
  const std::size_t small = std::min(3 * request_size, wire::kMaxDatagram);
  const std::size_t budget =
      proven ? std::max(std::min(static_cast<std::size_t>(std::max(0.0, tokens)), config_.sync_answer_max),
                        small)
             : small;
  const std::size_t sent = answer_range(from, s, budget);
  // Everything sent is paid for; a debt of at most one second's rate.
  sync_tokens_.tokens = std::max(tokens - static_cast<double>(sent), -rate);
}

std::size_t Membership::answer_range(Endpoint to, const Sync& request, std::size_t budget) {
  // A request without a range (none this build sends) asks for everything.
  const std::uint16_t first = request.ranged ? request.first : 0;
  const std::uint16_t last = request.ranged ? request.last : kIdSpace - 1;
  const FingerprintSet held(request.fingerprints);
  const auto wanted = [&](const crypto::NodeId& id, const Member& m) {
    const std::uint16_t p = id_prefix(id);
    return p >= first && p <= last &&
           !held.contains(sync_fingerprint(id, m.state, m.incarnation, request.salt));
  };
  const Sync head{.reply = false, .cookie = cookie_for(to), .ranged = true, .first = first, .last = last};
  std::size_t overhead = 0;
  {
    GossipWriter probe(identity_.id);
    probe.add(head);
    overhead = probe.size();
  }
  // Our own record first (the requester can pull from us again), then the
  // rest from a random place in the table, so answers from several members
  // to one requester cut short by their budgets carry different records.
  std::vector<const Bytes*> records;
  bool complete = true;
  std::size_t total = overhead, fill = overhead, items = 1;
  const auto take = [&](const Bytes& rec) {
    const std::size_t need = rec.size() + 3;  // with the item header
    if (fill + need > wire::kMaxDatagram || items == kMaxItems) {
      total += overhead;  // a new datagram
      fill = overhead;
      items = 1;
    }
    if (total + need > budget) return false;
    total += need;
    fill += need;
    items += 1;
    records.push_back(&rec);
    return true;
  };
  if (wanted(identity_.id, self()) && !take(*self().record)) complete = false;
  const std::size_t n = members_.size();
  const std::size_t start = n > 1 ? rng_.below(n) : 0;
  for (std::size_t k = 0; k < n && complete; ++k) {
    const auto& [id, m] = members_.at((start + k) % n);
    if (id != identity_.id && wanted(id, m) && !take(*m.record)) complete = false;
  }
  // One datagram at least: it brings the cookie, and `complete` tells a
  // requester whose view of the range matches ours that it may move on.
  Sync h = head;
  h.complete = complete;
  std::size_t sent = 0, i = 0;
  do {
    GossipWriter w(identity_.id);
    w.add(h);
    while (i < records.size() && w.add(RecordItem{*records[i]})) ++i;
    sent += w.size();
    send(to, w, false, Traffic::sync_answer);
  } while (i < records.size());
  counters_.sync_records_sent += records.size();
  return sent;
}

void Membership::on_sync_answer(Endpoint from, const Sync& s, std::size_t size) {
  if (s.cookie != 0) {
    if (cookies_.size() >= kMaxCookies) cookies_.clear();  // bounded; a lost cookie costs one small answer
    cookies_[from] = s.cookie;
  }
  const bool ours =
      s.ranged && pulls_.asked && pulls_.asked->first == s.first && pulls_.asked->last == s.last;
  if (!pulls_.active || !ours) return;
  // Pull again soon while answers are worth it: one that sent several times
  // what we asked with, or one that held all we lacked and taught us members
  // (a mass join: answerers know little yet, but each bit spreads it).
  // Otherwise requests keep to their own byte rate, so answers cut small by
  // busy answerers do not cost as much as they bring.
  pulls_.answered += size;
  if (pulls_.answered >= kRichAnswer * pulls_.request_size ||
      (s.complete && pulls_.discovered > pulls_.discovered_at_request)) {
    pulls_.next = std::min(pulls_.next, pulls_.sent_at + config_.probe_interval / 4);
  }
  if (!s.complete) {
    // Cut short. Without its cookie we were owed only a small answer: ask
    // the same member again at once, with the cookie it just sent. Else the
    // next pull asks another member for the rest of the range.
    if (pulls_.unproven) send_sync_request(from);
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
  // The seed once more first: it hears of every member that joins through
  // it, so in a mass join it soon knows more than anyone we could pick.
  if (pulls_.seed) {
    send_sync_request(*std::exchange(pulls_.seed, std::nullopt));
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
  // Our fingerprints from `first` on; if there are more than a request
  // holds, the range ends where they run out.
  struct Entry {
    std::uint16_t prefix, fp;
  };
  std::vector<Entry> held;
  for (const auto& [id, m] : members_) {
    const std::uint16_t p = id_prefix(id);
    if (p >= first) held.push_back({p, sync_fingerprint(id, m.state, m.incarnation, salt)});
  }
  std::uint32_t last = kIdSpace - 1;
  const std::size_t max = std::clamp<std::size_t>(config_.sync_fingerprints_max, 1, kMaxSyncFingerprints);
  if (held.size() > max) {
    const auto by_prefix = [](const Entry& a, const Entry& b) { return a.prefix < b.prefix; };
    const auto nth = held.begin() + static_cast<std::ptrdiff_t>(max);
    std::nth_element(held.begin(), nth, held.end(), by_prefix);
    const std::uint32_t cut = nth->prefix;
    // More than a request holds share the first prefix (ids ground to
    // collide): list some, and the answer repeats a few records we hold.
    last = cut > first ? cut - 1 : first;
    std::erase_if(held, [&](const Entry& e) { return e.prefix > last; });
    if (held.size() > max) held.resize(max);
  }
  Bytes packed;
  packed.reserve(2 * held.size());
  for (const auto& e : held) {
    packed.push_back(static_cast<std::uint8_t>(e.fp >> 8));
    packed.push_back(static_cast<std::uint8_t>(e.fp));
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
  const std::size_t size = w.size();
  send(to, w, false, Traffic::sync_request);
  // Requests are paced by their bytes (pull_bytes_per_second), at most four
  // a probe interval; on_sync_answer may bring the next one forward.
  const double secs = static_cast<double>(size) / static_cast<double>(config_.pull_bytes_per_second);
  pulls_.next = std::max(pulls_.next, last_now_) +
                std::max(config_.probe_interval / 4, Duration{static_cast<std::int64_t>(secs * 1e9)});
  pulls_.sent_at = last_now_;
  pulls_.request_size = size;
  pulls_.answered = 0;
  pulls_.discovered_at_request = pulls_.discovered;
}

}  // namespace hyphae::membership
