#include "sim/topology.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <numeric>
#include <set>

#include "base/assert.hpp"

namespace hyphae::sim {
namespace {

// Approximate median RTTs (ms) from WonderNetwork's city-to-city ping tables,
// rounded; order as kCityNames. Symmetric; the diagonal is unused.
constexpr std::array<std::array<int, kCities>, kCities> kRttMs{{
    //  SF   NY  LON  BER  TYO  SIN  SYD
    {0, 70, 141, 152, 108, 172, 147},  // san-francisco
    {70, 0, 72, 88, 166, 233, 205},    // new-york
    {141, 72, 0, 16, 232, 168, 262},   // london
    {152, 88, 16, 0, 246, 162, 288},   // berlin
    {108, 166, 232, 246, 0, 70, 112},  // tokyo
    {172, 233, 168, 162, 70, 0, 92},   // singapore
    {147, 205, 262, 288, 112, 92, 0},  // sydney
}};

using EdgeSet = std::set<std::pair<NodeIndex, NodeIndex>>;

void add_edge(EdgeSet& edges, NodeIndex a, NodeIndex b) {
  if (a == b) return;
  edges.insert({std::min(a, b), std::max(a, b)});
}

Network::BaseModel uniform(const LinkParams& p) {
  return [p](NodeIndex, NodeIndex) { return p; };
}

// Joins the components of the graph into one, chaining each component's
// lowest node to the next one's, so every generated topology is connected.
void connect_components(std::size_t n, EdgeSet& edges) {
  std::vector<NodeIndex> parent(n);
  std::iota(parent.begin(), parent.end(), 0);
  auto find = [&](NodeIndex x) {
    while (parent[x] != x) x = parent[x] = parent[parent[x]];
    return x;
  };
  for (auto [a, b] : edges) parent[find(a)] = find(b);
  std::vector<NodeIndex> firsts;
  std::vector<bool> seen(n, false);
  for (NodeIndex i = 0; i < n; ++i) {
    const NodeIndex r = find(i);
    if (!seen[r]) {
      seen[r] = true;
      firsts.push_back(i);
    }
  }
  for (std::size_t k = 1; k < firsts.size(); ++k) add_edge(edges, firsts[k - 1], firsts[k]);
}

void ring(std::size_t n, bool wrap, EdgeSet& edges) {
  for (NodeIndex i = 0; i + 1 < n; ++i) add_edge(edges, i, i + 1);
  if (wrap && n > 2) add_edge(edges, 0, static_cast<NodeIndex>(n - 1));
}

void grid(std::size_t n, EdgeSet& edges) {
  const auto side = static_cast<std::size_t>(std::ceil(std::sqrt(static_cast<double>(n))));
  for (std::size_t i = 0; i < n; ++i) {
    if ((i + 1) % side != 0 && i + 1 < n) add_edge(edges, NodeIndex(i), NodeIndex(i + 1));
    if (i + side < n) add_edge(edges, NodeIndex(i), NodeIndex(i + side));
  }
}

Topology random_geometric(const TopologySpec& spec, Rng& rng) {
  const std::size_t n = spec.nodes;
  auto xy = std::make_shared<std::vector<std::pair<double, double>>>(n);
  for (auto& p : *xy) p = {rng.unit(), rng.unit()};
  const double r =
      std::min(1.0, std::sqrt(static_cast<double>(spec.degree) / (M_PI * static_cast<double>(n))));
  // Bucket into cells of side r so each node only looks at its 3x3 block.
  const auto cells = std::max<std::size_t>(1, static_cast<std::size_t>(1.0 / r));
  std::vector<std::vector<NodeIndex>> bucket(cells * cells);
  auto cell_of = [&](double v) { return std::min(cells - 1, static_cast<std::size_t>(v * double(cells))); };
  for (NodeIndex i = 0; i < n; ++i)
    bucket[cell_of((*xy)[i].first) * cells + cell_of((*xy)[i].second)].push_back(i);
  EdgeSet edges;
  for (NodeIndex i = 0; i < n; ++i) {
    const auto cx = cell_of((*xy)[i].first), cy = cell_of((*xy)[i].second);
    for (std::size_t dx = cx == 0 ? 0 : cx - 1; dx <= std::min(cells - 1, cx + 1); ++dx) {
      for (std::size_t dy = cy == 0 ? 0 : cy - 1; dy <= std::min(cells - 1, cy + 1); ++dy) {
        for (NodeIndex j : bucket[dx * cells + dy]) {
          if (j <= i) continue;
          const double ddx = (*xy)[i].first - (*xy)[j].first, ddy = (*xy)[i].second - (*xy)[j].second;
          if (ddx * ddx + ddy * ddy <= r * r) add_edge(edges, i, j);
        }
      }
    }
  }
  connect_components(n, edges);
  Topology t;
  t.edges.assign(edges.begin(), edges.end());
  const LinkParams base = spec.link;
  const double span_ns = static_cast<double>(spec.span_latency.ns);
  t.link = [xy, base, span_ns](NodeIndex a, NodeIndex b) {
    LinkParams p = base;
    const double dx = (*xy)[a].first - (*xy)[b].first, dy = (*xy)[a].second - (*xy)[b].second;
    p.latency = p.latency + nanoseconds(static_cast<std::int64_t>(std::sqrt(dx * dx + dy * dy) * span_ns));
    return p;
  };
  return t;
}

void small_world(const TopologySpec& spec, Rng& rng, EdgeSet& edges) {
  const std::size_t n = spec.nodes;
  const std::size_t k = std::max<std::size_t>(1, spec.degree / 2);
  for (NodeIndex i = 0; i < n; ++i) {
    for (std::size_t j = 1; j <= k; ++j) {
      NodeIndex target = static_cast<NodeIndex>((i + j) % n);
      // Draw for every lattice edge so the stream does not depend on outcomes.
      const double draw = rng.unit();
      const auto pick = static_cast<NodeIndex>(rng.below(n));
      if (draw < spec.rewire && pick != i && !edges.contains({std::min(i, pick), std::max(i, pick)}))
        target = pick;
      add_edge(edges, i, target);
    }
  }
  connect_components(n, edges);
}

Topology seven_city(const TopologySpec& spec) {
  const std::size_t n = spec.nodes;
  Topology t;
  t.site.resize(n);
  std::array<std::vector<NodeIndex>, kCities> members;
  for (NodeIndex i = 0; i < n; ++i) {
    t.site[i] = static_cast<std::uint8_t>(i % kCities);
    members[i % kCities].push_back(i);
  }
  EdgeSet edges;
  for (const auto& city : members) {
    // Within a city: full mesh when small, else a ring with chords (degree 4).
    if (city.size() <= 8) {
      for (std::size_t a = 0; a < city.size(); ++a)
        for (std::size_t b = a + 1; b < city.size(); ++b) add_edge(edges, city[a], city[b]);
    } else {
      for (std::size_t a = 0; a < city.size(); ++a) {
        add_edge(edges, city[a], city[(a + 1) % city.size()]);
        add_edge(edges, city[a], city[(a + 2) % city.size()]);
      }
    }
  }
  // Between cities: the first `gateways` nodes of each city dial their
  // counterparts (same rank) in every other city.
  for (std::size_t c = 0; c < kCities; ++c)
    for (std::size_t d = c + 1; d < kCities; ++d)
      for (std::size_t r = 0; r < std::min({spec.gateways, members[c].size(), members[d].size()}); ++r)
        add_edge(edges, members[c][r], members[d][r]);
  t.edges.assign(edges.begin(), edges.end());
  const LinkParams local = spec.link;
  auto site = t.site;
  t.link = [local, site = std::move(site)](NodeIndex a, NodeIndex b) {
    LinkParams p = local;
    if (site[a] != site[b]) {
      p.latency = city_rtt(site[a], site[b]) / 2;
      p.jitter = city_jitter(site[a], site[b]);
    }
    return p;
  };
  return t;
}

}  // namespace

Duration city_rtt(std::size_t a, std::size_t b) {
  HYPHAE_ASSERT(a < kCities && b < kCities);
  return milliseconds(kRttMs[a][b]);
}

Duration city_jitter(std::size_t a, std::size_t b) {
  // 2 % of the one-way latency plus half a millisecond.
  return city_rtt(a, b) / 100 + microseconds(500);
}

std::vector<std::vector<NodeIndex>> Topology::adjacency() const {
  std::vector<std::vector<NodeIndex>> adj(nodes);
  for (auto [a, b] : edges) {
    adj[a].push_back(b);
    adj[b].push_back(a);
  }
  return adj;
}

Result<Topology, std::string> make_topology(const TopologySpec& spec, Rng& rng) {
  const std::size_t n = spec.nodes;
  if (n < 2) return fail(std::string("a topology needs at least 2 nodes"));
  if (n > 1'000'000) return fail(fmt::format("{} nodes is more than the simulator addresses (1000000)", n));
  Topology t;
  EdgeSet edges;
  if (spec.kind == "full-mesh") {
    if (n > 2000)
      return fail(fmt::format("full-mesh of {} nodes is too many sessions; use a sparse topology", n));
    for (NodeIndex a = 0; a < n; ++a)
      for (NodeIndex b = a + 1; b < n; ++b) add_edge(edges, a, b);
  } else if (spec.kind == "underlay") {
    // No configured sessions: every node reaches every other over the link
    // model, and membership decides who talks to whom.
  } else if (spec.kind == "ring") {
    ring(n, true, edges);
  } else if (spec.kind == "line") {
    ring(n, false, edges);
  } else if (spec.kind == "grid") {
    grid(n, edges);
  } else if (spec.kind == "small-world") {
    if (spec.degree < 2 || spec.degree >= n)
      return fail(fmt::format("small-world degree {} must be in [2, nodes)", spec.degree));
    small_world(spec, rng, edges);
  } else if (spec.kind == "random-geometric") {
    if (spec.degree < 1) return fail(std::string("random-geometric degree must be >= 1"));
    t = random_geometric(spec, rng);
  } else if (spec.kind == "seven-city") {
    if (n < kCities) return fail(fmt::format("seven-city needs at least {} nodes", kCities));
    t = seven_city(spec);
  } else {
    return fail(
        fmt::format("unknown topology '{}' (full-mesh, ring, line, grid, random-geometric, small-world, "
                    "seven-city, underlay)",
                    spec.kind));
  }
  t.kind = spec.kind;
  t.nodes = n;
  if (t.edges.empty()) t.edges.assign(edges.begin(), edges.end());
  if (t.site.empty()) t.site.assign(n, 0);
  if (!t.link) t.link = uniform(spec.link);
  return t;
}

}  // namespace hyphae::sim
