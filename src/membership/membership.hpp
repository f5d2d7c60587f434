// SWIM membership with Lifeguard (DESIGN.md §2 membership/; memberlist's
// state.go is the model): randomised round-robin probing with indirect probes
// through k members, suspicion before death, incarnation numbers and
// refutation, infection-style dissemination piggybacked on probes, periodic
// table pulls (sync) at join and periodically; Lifeguard's local health awareness (LHA-probe:
// slow down when we ourselves look unhealthy, judged by missing nacks),
// LHA-suspicion (a suspicion timeout that shrinks as independent members
// confirm it) and the buddy system (a suspect learns it is suspected from the
// probe itself). State changes travel as signed records (record.hpp).
//
// Sans-IO, like node::Node: inputs on_packet/on_tick/join/leave, outputs
// poll_transmit/poll_event/poll_deadline. `now` never decreases.
#pragma once

#include <array>
#include <cstdint>
#include <deque>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string_view>
#include <unordered_map>
#include <utility>
#include <vector>

#include "base/bytes.hpp"
#include "base/endpoint.hpp"
#include "base/rng.hpp"
#include "base/time.hpp"
#include "crypto/identity.hpp"
#include "membership/health.hpp"
#include "membership/member_table.hpp"
#include "membership/packet.hpp"
#include "membership/record.hpp"
#include "membership/suspicion.hpp"
#include "membership/verifier.hpp"

namespace hyphae::membership {

struct MembershipConfig {
  Duration probe_interval = seconds(1);
  Duration probe_timeout = milliseconds(500);
  std::size_t indirect_probes = 3;
  double suspicion_mult = 4.0;      // min suspicion = mult * log10(N) * probe_interval
  double suspicion_max_mult = 6.0;  // Lifeguard: a fresh suspicion starts at max = this * min
  bool lifeguard = true;            // false: plain SWIM (fixed timeouts, no nacks, no buddy, no corrections)
  int awareness_max = 8;            // local health multiplier ceiling
  Duration gossip_interval = milliseconds(200);
  std::size_t gossip_fanout = 3;
  double retransmit_mult = 4.0;            // a record is sent mult * ceil(log10(N + 1)) times
  Duration sync_interval = seconds(30);    // scaled up for large N, as memberlist does
  Duration gossip_to_dead = seconds(30);   // keep gossiping to a dead member so it can refute
  Duration dead_retention = seconds(600);  // then forget a dead or left member
  std::size_t max_members = 65536;
  std::size_t max_broadcasts = 1024;  // records queued for gossip; the least-sent go first
  // Byte budgets (token buckets) that bound what a member sends whatever the
  // mesh size. Gossip of members new to us (state changes are not held back):
  std::size_t discovery_bytes_per_second = 1000;
  std::size_t discovery_burst_bytes = 32 * 1024;
  // ...and only this long after we learnt of the member: by then sync has
  // carried it everywhere, and a mass join's queue drains when it ends.
  Duration discovery_gossip_for = seconds(30);
  // Sync answers (the records a requester lacks in the range it asked for):
  // sustained rate, a burst saved up while quiet (so a join is answered at
  // once), and the most one answer may take.
  std::size_t sync_bytes_per_second = 6000;
  std::size_t sync_burst_bytes = 256 * 1024;
  std::size_t sync_answer_max = 32 * 1024;
  // Our own sync requests while pulling (after a join, and one pass over the
  // id space every sync_interval): at most this rate after a burst (so a
  // joiner pulls at once), and at most four a probe_interval.
  std::size_t pull_bytes_per_second = 1000;
  std::size_t pull_burst_bytes = 32 * 1024;
  // Fingerprints per request (at most kMaxSyncFingerprints): a mesh larger
  // than this is walked in several ranges per pass.
  std::size_t sync_fingerprints_max = kMaxSyncFingerprints;
};

// What the bytes a member sends are for (MembershipCounters::bytes_out_by):
// probes (ping, ack, ping-req, nack), records piggybacked as gossip (with the
// header of a datagram that carries nothing else), sync requests, sync
// answers, the rest (corrections, leave).
enum class Traffic : std::uint8_t { probe, gossip, sync_request, sync_answer, other };
inline constexpr std::size_t kTrafficKinds = 5;
std::string_view name(Traffic t);

struct MemberEvent {
  enum class Kind : std::uint8_t { discovered, suspect, failed, recovered, left, address_changed };
  Kind kind = Kind::discovered;
  crypto::NodeId id;
  Endpoint address;
  std::uint64_t incarnation = 0;
};
std::string_view name(MemberEvent::Kind k);  // "node.discovered", "node.suspect", ...

struct MembershipTransmit {
  Endpoint to;
  Bytes data;
};

struct MemberView {
  crypto::NodeId id;
  State state = State::alive;
  std::uint64_t incarnation = 0;
  Endpoint address;
  Instant since;                    // in this state since
  std::optional<Instant> last_ack;  // our last successful probe of it
  HealthScore health;
  std::optional<Resources> resources;
  std::optional<Duration> rtt;
};

struct MembershipCounters {
  std::uint64_t packets_in = 0, packets_out = 0, bytes_in = 0, bytes_out = 0;
  std::uint64_t malformed = 0;       // undecodable packet or record
  std::uint64_t bad_signature = 0;   // forged: signature does not verify
  std::uint64_t key_mismatch = 0;    // forged: signing key does not belong to the subject
  std::uint64_t bad_declarer = 0;    // suspect/dead declared by the subject itself or by a dead member
  std::uint64_t stale = 0;           // lower incarnation than known: replayed or late
  std::uint64_t duplicate = 0;       // already known; normal gossip redundancy
  std::uint64_t wrong_target = 0;    // ping meant for another node id
  std::uint64_t unexpected_ack = 0;  // ack/nack for no probe of ours (late or forged)
  std::uint64_t sync_refused = 0;    // sync request over the rate limit or without our cookie
  std::uint64_t table_full = 0;      // max_members reached
  std::uint64_t probes = 0, probe_failures = 0, indirect_probes = 0, refutations = 0;
  std::uint64_t suspicions = 0, deaths_declared = 0;
  std::uint64_t corrections = 0;  // newer alive records sent back to a sender of stale suspicions
  std::uint64_t syncs_answered = 0, sync_records_sent = 0;
  std::array<std::uint64_t, kTrafficKinds> bytes_out_by{};  // index: Traffic

  // The drop counters above with their snake_case names: the one list the
  // daemon's /metrics and stats both report.
  std::array<std::pair<std::string_view, std::uint64_t>, 9> dropped() const {
    return {{{"malformed", malformed},
             {"bad_signature", bad_signature},
             {"key_mismatch", key_mismatch},
             {"bad_declarer", bad_declarer},
             {"stale", stale},
             {"wrong_target", wrong_target},
             {"unexpected_ack", unexpected_ack},
             {"sync_refused", sync_refused},
             {"table_full", table_full}}};
  }
};

class Membership {
 public:
  // `advertise` is where others reach us; `incarnation` must exceed any this
  // identity used before (the daemon persists it; 0 on first start).
  Membership(const MembershipConfig& config, const crypto::Identity& identity, Verifier& verifier,
             Endpoint advertise, std::uint64_t incarnation, Rng rng, Instant now);

  // Inputs.
  void on_packet(Instant now, Endpoint from, ByteView datagram);
  void on_tick(Instant now);
  // Push-pull with these addresses now and again shortly after (their view
  // fills up as the rest of the mesh joins); retried until one answers.
  void join(Instant now, const std::vector<Endpoint>& seeds);
  // Graceful leave: a signed `left` record to several members at once.
  void leave(Instant now);
  // Our own load, sent in every ack (seed 004's resource input).
  void set_resources(const Resources& r) { resources_ = r; }
  // A Noise session with this member authenticated a packet: a trust input.
  void note_authenticated(const crypto::NodeId& id);

  // Outputs.
  std::optional<MembershipTransmit> poll_transmit();
  std::optional<MemberEvent> poll_event();
  std::optional<Instant> poll_deadline() const;

  // Queries.
  std::uint64_t incarnation() const { return incarnation_; }
  std::size_t size() const { return members_.size(); }  // including self
  std::size_t alive_count() const;
  std::size_t queued_broadcasts() const { return broadcasts_.size(); }
  // Known members but self, by state (index: State value - 1).
  std::array<std::size_t, 4> count_by_state() const;
  std::optional<MemberView> member(const crypto::NodeId& id, Instant now) const;
  std::vector<MemberView> members(Instant now) const;  // every known member but self, by id
  std::optional<State> state_of(const crypto::NodeId& id) const;
  // The member's own Ed25519 key, from the latest record it signed itself
  // (alive or left); nullopt while the latest is another's suspicion.
  std::optional<crypto::SigningPublicKey> signing_key_of(const crypto::NodeId& id) const;
  int awareness() const { return awareness_; }
  const MembershipCounters& counters() const { return counters_; }
  // A random alive member other than self, for connection managers.
  std::optional<std::pair<crypto::NodeId, Endpoint>> random_alive(Rng& rng) const;

 private:
  // What our own probes of a member measured; most members of a big mesh
  // are never probed by us within minutes, so this is allocated on demand.
  struct Observed {
    std::optional<Duration> srtt;
    double loss = 0.0;
    std::optional<Resources> resources;
    std::optional<Instant> last_ack;
  };
  struct Member {
    State state = State::alive;
    std::uint32_t good = 0, bad = 0;  // authenticated interactions (trust)
    Endpoint address;
    std::uint64_t incarnation = 0;
    std::shared_ptr<const Bytes> record;  // the latest record about it, sent in table answers
    Instant since;
    Instant first_seen;
    Duration up_before;  // time alive/suspect before `since` (availability)
    std::unique_ptr<Observed> observed;
    Observed& observe() {
      if (!observed) observed = std::make_unique<Observed>();
      return *observed;
    }
  };
  struct Suspicion {
    Instant start;
    SuspicionTimeout timeout;
    std::set<crypto::NodeId> confirmers;  // the first declarer and those who confirmed it
    // memberlist's cap: past k confirmations (the timeout's floor) another
    // changes nothing, so it is neither counted nor gossiped on.
    bool wants_confirmation() const;
  };
  struct Probe {
    std::uint32_t seq = 0;
    crypto::NodeId target;
    Endpoint address;
    Instant sent;
    Instant indirect_at;
    bool acked = false;
    bool indirect_sent = false;
    std::size_t expected_nacks = 0;
    std::size_t nacks = 0;
  };
  struct Relay {
    std::uint32_t their_seq = 0;
    Endpoint requester;
    Instant nack_at;
    Instant expires;
    bool nacked = false;
  };
  struct Broadcast {
    std::shared_ptr<const Bytes> record;
    std::uint32_t transmits = 0;  // plus kDiscoveryRank for a member new to us (sent last)
    std::uint64_t order = 0;
    Instant queued;
  };
  enum class Applied : std::uint8_t { changed, confirmed, unchanged };

  // Records.
  Applied consider(Instant now, ByteView bytes);
  Applied apply(Instant now, const Record& r, const crypto::NodeId& declarer, ByteView bytes);
  void set_state(Instant now, const crypto::NodeId& id, Member& m, State s, std::uint64_t inc,
                 std::shared_ptr<const Bytes> record);
  void refute(Instant now, std::uint64_t seen);
  void declare(Instant now, State s, const crypto::NodeId& id);
  void queue_broadcast(const crypto::NodeId& subject, std::shared_ptr<const Bytes> record,
                       bool discovery = false);
  void emit(MemberEvent::Kind kind, const crypto::NodeId& id, const Member& m);

  // Probing.
  void start_probe(Instant now);
  void finish_probe(Instant now);
  void send_indirect(Instant now);
  void on_ack(Instant now, const Ack& a);
  void on_nack(const Nack& n);
  void on_ping(Instant now, Endpoint from, const Ping& p);
  void on_ping_req(Instant now, Endpoint from, const PingReq& p);
  std::optional<crypto::NodeId> next_probe_target();
  void adjust_awareness(int delta);
  Instant deadline_of(const Suspicion& s) const;
  Duration scaled(Duration d) const;

  // Dissemination.
  void gossip(Instant now);
  // A sync request to `to` for the next range of the id space (from
  // pulls_.cursor): our fingerprints there and our own record, with its
  // cookie once we hold it. Paid from pull_tokens_.
  void send_sync_request(Endpoint to);
  // `stranger`: the sender was not a member until this request (a joiner).
  void answer_sync(Endpoint from, std::size_t request_size, const crypto::NodeId& sender, bool stranger,
                   const Sync& s, Instant now);
  // The records `request` lacks in its range, in at most `budget` bytes of
  // datagrams (one datagram, without records, if the budget holds none).
  struct Answered {
    std::size_t bytes = 0, records = 0;
  };
  Answered answer_range(Endpoint to, const Sync& request, std::size_t budget);
  // An answer to our request: the cookie, and where the pulls go on.
  void on_sync_answer(Endpoint from, const Sync& s);
  std::uint64_t cookie_for(const Endpoint& e) const;
  // Newer alive records to a sender of stale suspicions (corrections_).
  void send_corrections(Endpoint to, std::size_t request_size);
  void send(Endpoint to, GossipWriter& w, bool piggyback, Traffic kind);
  void piggyback(GossipWriter& w);
  std::uint32_t retransmit_limit() const;
  std::vector<crypto::NodeId> random_members(std::size_t k, const crypto::NodeId* exclude, Instant now,
                                             bool include_recent_dead);
  // The next sync request of a pass, to a random member.
  void pull(Instant now);

  void reap(Instant now);
  void forget(const crypto::NodeId& id);
  const Member& self() const { return members_.get(identity_.id); }
  void recompute_deadline();
  HealthInputs health_inputs(const Member& m, Instant now) const;
  MemberView view_of(const crypto::NodeId& id, const Member& m, Instant now) const;

  MembershipConfig config_;
  const crypto::Identity& identity_;
  Verifier& verifier_;
  Endpoint advertise_;
  std::uint64_t incarnation_;
  Rng rng_;
  Instant last_now_;
  Resources resources_;

  MemberTable<Member> members_;  // includes self; positions are the probe order
  std::map<crypto::NodeId, Suspicion> suspicions_;
  std::deque<std::pair<Instant, crypto::NodeId>> reap_queue_;  // dead/left members to forget

  std::size_t probe_pos_ = 0;              // next position of members_ to probe this round
  std::deque<crypto::NodeId> probe_soon_;  // suspected by others: confirm or refute it quickly
  std::optional<Probe> probe_;
  std::uint32_t next_seq_;
  Instant next_probe_at_;
  std::map<std::uint32_t, Relay> relays_;
  int awareness_ = 0;

  std::unordered_map<crypto::NodeId, Broadcast> broadcasts_;
  std::set<std::tuple<std::uint32_t, std::uint64_t, crypto::NodeId>> broadcast_order_;
  std::uint64_t broadcast_seq_ = 0;
  Instant next_gossip_at_;
  Instant next_sync_at_;
  struct JoinTarget {
    Endpoint address;
    Instant next;
  };
  std::vector<JoinTarget> joins_;  // seeds asked until one answers; then we pull from members
  struct Range {
    std::uint16_t first = 0, last = 0;
  };
  // A pass of sync requests over the id space, range by range.
  static constexpr int kQuietPasses = 3;  // a joiner's pulls end after this many in a row
  struct Pulls {
    bool active = false;
    Instant next;
    std::uint32_t cursor = 0;    // the next range starts here (0 .. 65535)
    std::optional<Range> asked;  // the range of our last request, until an answer completes it
    bool unproven = false;       // that request went without the answerer's cookie
    // Where the next request goes, if not to a random member: the seed that
    // answered our join, or a member that cut its answer short for want of
    // its cookie and sent it.
    std::optional<Endpoint> target;
    std::size_t discovered = 0;  // members new to us this pass, by any path
    int quiet_passes = 0;        // passes in a row that taught us no new member
  };
  Pulls pulls_;
  struct TokenBucket {
    double tokens = 0;
    Instant at;
    double refill(Instant now, double rate, double burst);  // returns the tokens now held
  };
  TokenBucket sync_tokens_;  // answers
  TokenBucket pull_tokens_;  // requests
  TokenBucket discovery_tokens_;
  Instant next_reap_at_;
  bool left_ = false;
  bool quiet_merge_ = false;  // applying a sync answer (a table): do not gossip what it taught us
  std::array<std::uint8_t, 32> cookie_key_{};
  std::unordered_map<Endpoint, std::uint64_t> cookies_;  // theirs, learnt from their answers
  std::vector<crypto::NodeId> corrections_;              // members a datagram being handled had stale news of

  std::optional<Instant> deadline_;
  std::deque<MembershipTransmit> transmits_;
  std::deque<MemberEvent> events_;
  MembershipCounters counters_;
};

}  // namespace hyphae::membership
