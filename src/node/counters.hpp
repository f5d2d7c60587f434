// Plain counters a Node keeps; the daemon exports them (hyphae_rx_dropped_total{reason}).
#pragma once

#include <array>
#include <cstdint>

#include "wire/drop.hpp"

namespace hyphae::node {

struct Counters {
  std::array<std::uint64_t, static_cast<std::size_t>(wire::Drop::count_)> rx_dropped{};
  std::uint64_t rx_packets = 0;
  std::uint64_t rx_bytes = 0;
  std::uint64_t tx_packets = 0;
  std::uint64_t tx_bytes = 0;
  std::uint64_t handshakes_initiated = 0;
  std::uint64_t handshakes_completed = 0;
  std::uint64_t messages_sent = 0;
  std::uint64_t messages_received = 0;
  std::uint64_t messages_duplicate = 0;
  std::uint64_t messages_retransmitted = 0;
  std::uint64_t messages_failed = 0;
  std::uint64_t routed_forwarded = 0;  // routed frames passed on to the next hop
  std::uint64_t routed_received = 0;   // routed frames for us that opened
  std::uint64_t floods_sent = 0;       // broadcasts this node originated
  std::uint64_t floods_received = 0;   // others' broadcasts delivered here (once each)
  std::uint64_t floods_forwarded = 0;  // datagrams passing others' broadcasts on
  std::uint64_t floods_duplicate = 0;  // copies of a broadcast already seen

  void drop(wire::Drop reason) { rx_dropped[static_cast<std::size_t>(reason)] += 1; }
  std::uint64_t dropped_total() const {
    std::uint64_t sum = 0;
    for (auto n : rx_dropped) sum += n;
    return sum;
  }
};

}  // namespace hyphae::node
