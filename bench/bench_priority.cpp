// Priority under saturation (issue 7): two nodes on virtual time over one
// bottleneck link (2 000 datagrams/s each way, 5 ms one-way delay, a FIFO of
// 256 datagrams). Baseline, measured in the same run: CRITICAL messages on
// an idle link. Then the sender keeps HIGH, MEDIUM and LOW queues full (the
// link is the bottleneck: every send() the queues accept) and sends a
// CRITICAL message every 50 ms; it prints CRITICAL's latency next to the
// idle figure and how many messages of each other priority got through.
//
//   build/release/bench/bench_priority
#include <fmt/format.h>

#include <algorithm>
#include <array>
#include <deque>
#include <map>
#include <vector>

#include "crypto/key_source.hpp"
#include "node/node.hpp"

using namespace hyphae;

namespace {

constexpr Duration kDelay = milliseconds(5);
constexpr Duration kSerialise = microseconds(500);  // 2 000 datagrams/s
constexpr std::size_t kQueue = 256;

struct Side {
  crypto::SeededKeySource keys{Rng{0}};
  crypto::Identity identity;
  Endpoint address;
  std::unique_ptr<node::Node> node;
};

struct Datagram {
  Instant at;
  int to;
  Endpoint from;
  Bytes data;
};

class Bench {
 public:
  Bench() {
    for (int i = 0; i < 2; ++i) {
      auto& s = sides_[i];
      s.keys = crypto::SeededKeySource(Rng{100u + static_cast<std::uint64_t>(i)});
      s.identity = crypto::Identity::generate(s.keys);
      s.address = Endpoint::v4(0x0a000001 + i, 9900);
      node::NodeConfig cfg;
      cfg.message_deadline = seconds(120);
      s.node = std::make_unique<node::Node>(cfg, s.identity, s.keys, Rng{7u + i}, now_);
    }
    sides_[0].node->dial(now_, sides_[1].address);
    drain(0);
    run_for(seconds(1));
  }

  node::Node& sender() { return *sides_[0].node; }
  const crypto::NodeId& receiver_id() const { return sides_[1].identity.id; }
  Instant now() const { return now_; }

  void drain(int i) {
    Side& s = sides_[i];
    while (auto t = s.node->poll_transmit()) {
      const int to = 1 - i;
      // The bottleneck: a FIFO served at one datagram per kSerialise, tail drop.
      Instant& free_at = link_free_[i];
      free_at = std::max(free_at, now_);
      if ((free_at - now_).ns / kSerialise.ns >= static_cast<std::int64_t>(kQueue)) continue;
      free_at += kSerialise;
      wire_.push_back(Datagram{free_at + kDelay, to, s.address, std::move(t->data)});
    }
    while (auto e = s.node->poll_event()) {
      if (auto* a = std::get_if<node::MessageAcked>(&*e)) acked_.push_back(*a);
    }
  }

  void run_for(Duration d) {
    const Instant until = now_ + d;
    for (;;) {
      std::optional<Instant> next;
      for (const auto& g : wire_) next = next ? std::min(*next, g.at) : g.at;
      for (auto& s : sides_) {
        if (auto dl = s.node->poll_deadline()) next = next ? std::min(*next, *dl) : *dl;
      }
      if (!next || *next > until) break;
      now_ = std::max(now_, *next);
      std::vector<Datagram> due;
      std::erase_if(wire_, [&](Datagram& g) {
        if (g.at > now_) return false;
        due.push_back(std::move(g));
        return true;
      });
      std::sort(due.begin(), due.end(), [](const Datagram& a, const Datagram& b) { return a.at < b.at; });
      for (auto& g : due) {
        sides_[g.to].node->on_datagram(now_, g.from, g.data);
        drain(g.to);
      }
      for (int i = 0; i < 2; ++i) {
        if (auto dl = sides_[i].node->poll_deadline(); dl && *dl <= now_) {
          sides_[i].node->on_tick(now_);
          drain(i);
        }
      }
    }
    now_ = until;
  }

  std::vector<node::MessageAcked> take_acked() { return std::exchange(acked_, {}); }

 private:
  Instant now_{1'000'000'000};
  std::array<Side, 2> sides_;
  std::array<Instant, 2> link_free_{};
  std::deque<Datagram> wire_;
  std::vector<node::MessageAcked> acked_;
};

double percentile_ms(std::vector<Duration> v, double q) {
  if (v.empty()) return 0;
  std::sort(v.begin(), v.end());
  return v[std::min(v.size() - 1, static_cast<std::size_t>(q * static_cast<double>(v.size())))].ms();
}

struct Phase {
  std::vector<Duration> critical;
  std::map<wire::Priority, std::size_t> delivered;
};

// Runs `seconds_` of traffic: a CRITICAL message every 50 ms, and with
// `saturate` the other three queues kept full.
Phase run_phase(Bench& b, int seconds_, bool saturate) {
  Phase out;
  std::map<std::uint64_t, wire::Priority> sent;
  const Bytes payload(256, 0x42);
  for (int tick = 0; tick < seconds_ * 20; ++tick) {
    if (auto id = b.sender().send(b.now(), b.receiver_id(), wire::MessageType::task, wire::Priority::critical,
                                  payload)) {
      sent[*id] = wire::Priority::critical;
    }
    if (saturate) {
      for (auto p : {wire::Priority::high, wire::Priority::medium, wire::Priority::low}) {
        while (auto id = b.sender().send(b.now(), b.receiver_id(), wire::MessageType::task, p, payload)) {
          sent[*id] = p;
        }
      }
    }
    b.drain(0);
    b.run_for(milliseconds(50));
    for (const auto& a : b.take_acked()) {
      const auto p = sent.at(a.id);
      out.delivered[p] += 1;
      if (p == wire::Priority::critical) out.critical.push_back(a.latency);
    }
  }
  return out;
}

}  // namespace

int main() {
  Bench b;
  const Phase idle = run_phase(b, 5, false);
  const Phase busy = run_phase(b, 10, true);
  fmt::print(
      "bench_priority: one link, 2000 datagrams/s each way, 5 ms delay, FIFO {} datagrams, 256 B messages\n",
      kQueue);
  fmt::print("{:<34} {:>9} {:>9} {:>9}\n", "CRITICAL latency", "p50 ms", "p90 ms", "p99 ms");
  for (const auto& [name, ph] :
       {std::pair{"idle link (baseline)", &idle}, std::pair{"saturated by HIGH/MEDIUM/LOW", &busy}}) {
    fmt::print("{:<34} {:>9.1f} {:>9.1f} {:>9.1f}\n", name, percentile_ms(ph->critical, 0.5),
               percentile_ms(ph->critical, 0.9), percentile_ms(ph->critical, 0.99));
  }
  fmt::print("delivered in the 10 s saturated phase: CRITICAL {}  HIGH {}  MEDIUM {}  LOW {}\n",
             busy.delivered.count(wire::Priority::critical) ? busy.delivered.at(wire::Priority::critical) : 0,
             busy.delivered.count(wire::Priority::high) ? busy.delivered.at(wire::Priority::high) : 0,
             busy.delivered.count(wire::Priority::medium) ? busy.delivered.at(wire::Priority::medium) : 0,
             busy.delivered.count(wire::Priority::low) ? busy.delivered.at(wire::Priority::low) : 0);
  const bool low_progress =
      busy.delivered.count(wire::Priority::low) && busy.delivered.at(wire::Priority::low) > 0;
  fmt::print("LOW makes progress: {}\n", low_progress ? "yes" : "NO");
  return low_progress ? 0 : 1;
}
