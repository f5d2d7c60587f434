// Who is where and who dials whom. A Topology names, for N nodes, the
// undirected neighbour edges (the lower index dials the higher one) and the
// link model of every directed pair, neighbours or not.
#pragma once

#include <array>
#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "base/result.hpp"
#include "base/rng.hpp"
#include "sim/network.hpp"

namespace hyphae::sim {

struct TopologySpec {
  std::string kind =
      "ring";  // full-mesh | ring | line | grid | random-geometric | small-world | seven-city | underlay
  std::size_t nodes = 16;
  std::size_t degree = 4;  // random-geometric: mean degree; small-world: lattice degree (even)
  double rewire = 0.1;     // small-world: probability an edge is rewired
  LinkParams link;         // every link (uniform kinds); intra-city (seven-city)
  Duration span_latency = milliseconds(40);  // random-geometric: extra one-way delay across the unit square
  std::size_t gateways = 3;                  // seven-city: nodes per city that dial every other city
};

struct Topology {
  std::string kind;
  std::size_t nodes = 0;
  std::vector<std::pair<NodeIndex, NodeIndex>> edges;  // first < second; first dials second
  std::vector<std::uint8_t> site;                      // seven-city: city per node; else all 0
  Network::BaseModel link;

  // Neighbour lists built from edges (both directions).
  std::vector<std::vector<NodeIndex>> adjacency() const;
};

// Kinds as listed in TopologySpec::kind; unknown kind or too few nodes: error text.
Result<Topology, std::string> make_topology(const TopologySpec& spec, Rng& rng);

// The seven-city world of seed 000.
inline constexpr std::size_t kCities = 7;
inline constexpr std::array<std::string_view, kCities> kCityNames{
    "san-francisco", "new-york", "london", "berlin", "tokyo", "singapore", "sydney"};
// Round-trip times in milliseconds between cities (see docs/simulation.md for
// the source); the one-way latency is half.
Duration city_rtt(std::size_t a, std::size_t b);
// Jitter the seven-city model adds to one direction of an inter-city link.
Duration city_jitter(std::size_t a, std::size_t b);

}  // namespace hyphae::sim
