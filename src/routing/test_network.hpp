// A deterministic harness for routing tests: N Routers joined by
// point-to-point links with a fixed latency each, transmits delivered through
// one event queue in virtual time (quinn's Pair, for N). A cut link drops what
// is in flight on it and tells both ends at once (remove_neighbour), as the
// link layer does when it declares a session lost. Header-only, tests only.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <tuple>
#include <vector>

#include "routing/routing.hpp"

namespace hyphae::routing::testing {

inline crypto::NodeId test_node_id(std::size_t i) {
  crypto::NodeId id;
  // Spread the index over the first bytes so router-ids (first 8 bytes) and
  // ULAs (bytes 0..14) differ; byte 0 non-zero keeps the router-id valid.
  id.bytes[0] = static_cast<std::uint8_t>(0x10 + (i >> 8));
  id.bytes[1] = static_cast<std::uint8_t>(i);
  id.bytes[7] = 0x5a;
  id.bytes[14] = static_cast<std::uint8_t>(i * 7);
  return id;
}

class TestNetwork {
 public:
  enum class Walk : std::uint8_t { reached, no_route, loop };

  TestNetwork(std::size_t n, const RouterConfig& config, std::uint64_t seed) {
    for (std::size_t i = 0; i < n; ++i) {
      const crypto::NodeId id = test_node_id(i);
      ids_.push_back(neighbour_of(id));
      prefixes_.push_back(mesh_prefix_of(id));
      index_[ids_.back()] = i;
      by_prefix_[prefixes_.back()] = i;
      routers_.push_back(std::make_unique<Router>(config, router_id_of(id), Rng(seed * 1000 + i), now_));
      routers_.back()->announce(now_, prefixes_.back());
      drain(i);
    }
  }

  Router& router(std::size_t i) { return *routers_[i]; }
  const Router& router(std::size_t i) const { return *routers_[i]; }
  std::size_t size() const { return routers_.size(); }
  const NeighbourId& id(std::size_t i) const { return ids_[i]; }
  const Prefix& prefix(std::size_t i) const { return prefixes_[i]; }
  Instant now() const { return now_; }
  std::optional<std::size_t> index_of(const NeighbourId& n) const {
    auto it = index_.find(n);
    if (it == index_.end()) return std::nullopt;
    return it->second;
  }
  std::uint64_t delivered() const { return delivered_; }

  void connect(std::size_t a, std::size_t b, Duration latency, std::uint16_t cost = 256) {
    auto& l = links_[key(a, b)];
    l.up = true;
    l.latency = latency;
    ++l.generation;
    routers_[a]->add_neighbour(now_, ids_[b], cost);
    routers_[b]->add_neighbour(now_, ids_[a], cost);
    drain(a);
    drain(b);
  }
  void cut(std::size_t a, std::size_t b) {
    auto it = links_.find(key(a, b));
    if (it == links_.end() || !it->second.up) return;
    it->second.up = false;
    ++it->second.generation;  // what is in flight is lost
    routers_[a]->remove_neighbour(now_, ids_[b]);
    routers_[b]->remove_neighbour(now_, ids_[a]);
    drain(a);
    drain(b);
  }
  bool up(std::size_t a, std::size_t b) const {
    auto it = links_.find(key(a, b));
    return it != links_.end() && it->second.up;
  }
  std::vector<std::pair<std::size_t, std::size_t>> up_links() const {
    std::vector<std::pair<std::size_t, std::size_t>> out;
    for (const auto& [k, l] : links_) {
      if (l.up) out.push_back(k);
    }
    return out;
  }

  // Runs events until `d` has passed; `check` (if any) runs after every event
  // time, so invariants are checked at every step of convergence.
  void run_for(Duration d, const std::function<void()>& check = {}) {
    const Instant until = now_ + d;
    while (true) {
      Instant next = until;
      if (!queue_.empty()) next = std::min(next, std::get<0>(queue_.begin()->first));
      for (auto& r : routers_) {
        if (auto dl = r->poll_deadline()) next = std::min(next, *dl);
      }
      if (next >= until && (queue_.empty() || std::get<0>(queue_.begin()->first) > until)) {
        now_ = until;
        return;
      }
      now_ = std::max(now_, next);
      std::set<std::size_t> touched;
      while (!queue_.empty() && std::get<0>(queue_.begin()->first) <= now_) {
        auto node = queue_.extract(queue_.begin());
        Delivery& m = node.mapped();
        auto l = links_.find(key(m.from, m.to));
        if (l == links_.end() || !l->second.up || l->second.generation != m.generation) continue;
        routers_[m.to]->on_packet(now_, ids_[m.from], m.body);
        ++delivered_;
        touched.insert(m.to);
      }
      for (std::size_t i = 0; i < routers_.size(); ++i) {
        if (auto dl = routers_[i]->poll_deadline(); dl && *dl <= now_) {
          routers_[i]->on_tick(now_);
          touched.insert(i);
        }
      }
      for (auto i : touched) drain(i);
      if (check) check();
    }
  }

  // Follows next hops from s towards d's prefix.
  Walk walk(std::size_t s, std::size_t d) const {
    std::vector<bool> seen(routers_.size(), false);
    std::size_t at = s;
    while (at != d) {
      if (seen[at]) return Walk::loop;
      seen[at] = true;
      auto nh = routers_[at]->next_hop(prefixes_[d].addr);
      if (!nh) return Walk::no_route;
      auto j = index_of(*nh);
      if (!j || !up(at, *j)) return Walk::no_route;
      at = *j;
    }
    return Walk::reached;
  }

  // Some node's next-hop chain towards some destination revisits a node.
  std::optional<std::pair<std::size_t, std::size_t>> find_loop() const {
    std::vector<std::size_t> all(routers_.size());
    for (std::size_t i = 0; i < all.size(); ++i) all[i] = i;
    return find_loop(all);
  }
  // The same, over the destinations whose selection changed (a route event)
  // since the last call: the forwarding graph of the others is unchanged.
  std::optional<std::pair<std::size_t, std::size_t>> find_new_loop() {
    std::vector<std::size_t> dirty(dirty_.begin(), dirty_.end());
    dirty_.clear();
    return find_loop(dirty);
  }
  std::optional<std::pair<std::size_t, std::size_t>> find_loop(const std::vector<std::size_t>& dests) const {
    const std::size_t n = routers_.size();
    for (std::size_t d : dests) {
      std::vector<int> next(n, -1);
      for (std::size_t s = 0; s < n; ++s) {
        if (s == d) continue;
        if (auto nh = routers_[s]->next_hop(prefixes_[d].addr)) {
          if (auto j = index_of(*nh)) next[s] = static_cast<int>(*j);
        }
      }
      // Colouring: 0 unvisited, 1 on the current path, 2 done.
      std::vector<int> colour(n, 0);
      for (std::size_t s = 0; s < n; ++s) {
        std::vector<std::size_t> path;
        int at = static_cast<int>(s);
        while (at >= 0 && colour[at] == 0) {
          colour[at] = 1;
          path.push_back(static_cast<std::size_t>(at));
          at = next[at];
        }
        if (at >= 0 && colour[at] == 1) return std::pair{s, d};
        for (auto p : path) colour[p] = 2;
      }
    }
    return std::nullopt;
  }

  // Connected components over the links that are up.
  std::vector<std::size_t> components() const {
    std::vector<std::size_t> comp(routers_.size());
    for (std::size_t i = 0; i < comp.size(); ++i) comp[i] = i;
    const std::function<std::size_t(std::size_t)> root = [&](std::size_t x) {
      while (comp[x] != x) x = comp[x] = comp[comp[x]];
      return x;
    };
    for (const auto& [k, l] : links_) {
      if (l.up) comp[root(k.first)] = root(k.second);
    }
    for (std::size_t i = 0; i < comp.size(); ++i) comp[i] = root(i);
    return comp;
  }

 private:
  struct Link {
    bool up = false;
    Duration latency;
    std::uint64_t generation = 0;
  };
  struct Delivery {
    std::size_t from = 0, to = 0;
    std::uint64_t generation = 0;
    Bytes body;
  };
  static std::pair<std::size_t, std::size_t> key(std::size_t a, std::size_t b) {
    return a < b ? std::pair{a, b} : std::pair{b, a};
  }

  void drain(std::size_t i) {
    while (auto t = routers_[i]->poll_transmit()) {
      std::vector<std::size_t> targets;
      if (t->to) {
        if (auto j = index_of(*t->to)) targets.push_back(*j);
      } else {
        for (const auto& n : routers_[i]->neighbours()) {
          if (auto j = index_of(n)) targets.push_back(*j);
        }
      }
      for (auto j : targets) {
        auto l = links_.find(key(i, j));
        if (l == links_.end() || !l->second.up) continue;
        queue_.emplace(std::tuple{now_ + l->second.latency, seq_++},
                       Delivery{i, j, l->second.generation, t->body});
      }
    }
    while (auto e = routers_[i]->poll_event()) {
      if (auto it = by_prefix_.find(e->destination); it != by_prefix_.end()) dirty_.insert(it->second);
    }
  }

  Instant now_{};
  std::vector<std::unique_ptr<Router>> routers_;
  std::vector<NeighbourId> ids_;
  std::vector<Prefix> prefixes_;
  std::map<NeighbourId, std::size_t> index_;
  std::map<Prefix, std::size_t> by_prefix_;
  std::set<std::size_t> dirty_;  // destinations with route events since find_new_loop
  std::map<std::pair<std::size_t, std::size_t>, Link> links_;
  std::multimap<std::tuple<Instant, std::uint64_t>, Delivery> queue_;
  std::uint64_t seq_ = 0;
  std::uint64_t delivered_ = 0;
};

}  // namespace hyphae::routing::testing
