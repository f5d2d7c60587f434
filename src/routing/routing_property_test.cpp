// Goal: Babel's two promises on random meshes. Safety: at every step of
// convergence, through link failures, no next-hop chain ever revisits a node
// (the feasibility condition keeps the forwarding graph loop-free at all
// times). Liveness: once quiet, every pair in the same connected component has
// a route, and following next hops reaches the destination.
// Method: RapidCheck picks 5..40 nodes, a random spanning tree plus extra
// links with 1..50 ms latencies, and a few rounds of random link cuts (and
// some repairs); the test network delivers in virtual time and checks for
// loops after every event.
#include <gtest/gtest.h>
#include <rapidcheck.h>
#include <rapidcheck/gtest.h>

#include <cstdlib>
#include <sstream>
#include <string>

#include "routing/routing.hpp"
#include "routing/test_network.hpp"

namespace hyphae::routing {
namespace {

using testing::TestNetwork;

void check_converged(const TestNetwork& net) {
  const auto comp = net.components();
  for (std::size_t s = 0; s < net.size(); ++s) {
    for (std::size_t d = 0; d < net.size(); ++d) {
      const auto w = net.walk(s, d);
      if (comp[s] == comp[d]) {
        RC_ASSERT(w == TestNetwork::Walk::reached);
      } else {
        RC_ASSERT(w != TestNetwork::Walk::loop);
      }
    }
  }
}

void loop_free_and_converges() {
  const auto n = *rc::gen::inRange<std::size_t>(5, 41);
  const auto seed = *rc::gen::arbitrary<std::uint32_t>();
  Rng rng(seed);
  TestNetwork net(n, RouterConfig{}, seed);
  const auto latency = [&] { return milliseconds(1 + static_cast<std::int64_t>(rng.below(50))); };
  // A random spanning tree keeps the graph connected; extra links add cycles.
  for (std::size_t i = 1; i < n; ++i) net.connect(i, rng.below(i), latency());
  const std::size_t extra = n / 2 + rng.below(n);
  for (std::size_t k = 0; k < extra; ++k) {
    const auto a = rng.below(n), b = rng.below(n);
    if (a != b && !net.up(a, b)) net.connect(a, b, latency());
  }
  const auto no_loop = [&] {
    if (auto loop = net.find_new_loop()) RC_FAIL("loop towards node " + std::to_string(loop->second));
  };
  net.run_for(seconds(6), no_loop);
  check_converged(net);
  RC_ASSERT(!net.find_loop());

  const int rounds = 1 + static_cast<int>(rng.below(3));
  for (int round = 0; round < rounds; ++round) {
    auto links = net.up_links();
    const std::size_t cuts = 1 + rng.below(std::max<std::size_t>(1, links.size() / 6));
    for (std::size_t k = 0; k < cuts && !links.empty(); ++k) {
      const auto i = rng.below(links.size());
      net.cut(links[i].first, links[i].second);
      links.erase(links.begin() + static_cast<std::ptrdiff_t>(i));
      net.run_for(milliseconds(static_cast<std::int64_t>(rng.below(200))), no_loop);
    }
    if (rng.below(2) == 0) {  // sometimes a repair as well
      const auto a = rng.below(n), b = rng.below(n);
      if (a != b && !net.up(a, b)) net.connect(a, b, latency());
    }
    net.run_for(seconds(6), no_loop);
    check_converged(net);
    RC_ASSERT(!net.find_loop());
  }
}

// Each case simulates up to 40 routers for ~25 virtual seconds, checking
// loops after every event: 25 cases keep a Debug+ASan run near 15 s.
// HYPHAE_ROUTING_CASES=N runs more (RC_PARAMS still sets the seed).
TEST(RoutingProperty, LoopFreeAlwaysAndConvergesAfterLinkFailures) {
  auto params = rc::detail::configuration().testParams;
  params.maxSuccess = 25;
  if (const char* n = std::getenv("HYPHAE_ROUTING_CASES")) params.maxSuccess = std::atoi(n);
  rc::detail::TestMetadata metadata;
  metadata.id = "RoutingProperty/LoopFreeAlwaysAndConvergesAfterLinkFailures";
  const auto result = rc::detail::checkTestable(&loop_free_and_converges, metadata, params);
  if (!result.template is<rc::detail::SuccessResult>()) {
    std::ostringstream ss;
    rc::detail::printResultMessage(result, ss);
    FAIL() << ss.str();
  }
}

}  // namespace
}  // namespace hyphae::routing
