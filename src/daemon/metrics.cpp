#include "daemon/metrics.hpp"

#include <fmt/format.h>

#include "daemon/api.hpp"
#include "runtime/clock.hpp"

namespace hyphae::daemon {
namespace {
void counter(std::string& out, std::string_view name, std::string_view help, std::uint64_t value) {
  out += fmt::format("# HELP {} {}\n# TYPE {} counter\n{} {}\n", name, help, name, name, value);
}
void gauge(std::string& out, std::string_view name, std::string_view help, double value) {
  out += fmt::format("# HELP {} {}\n# TYPE {} gauge\n{} {}\n", name, help, name, name, value);
}
}  // namespace

std::string render_metrics(ApiContext& ctx) {
  return ctx.runner.with_node([&](node::Node& n, Instant) {
    const node::Counters& c = n.counters();
    std::string out;
    out +=
        "# HELP hyphae_rx_dropped_total Datagrams dropped on receipt, by reason.\n"
        "# TYPE hyphae_rx_dropped_total counter\n";
    for (std::size_t i = 0; i < c.rx_dropped.size(); ++i) {
      out += fmt::format("hyphae_rx_dropped_total{{reason=\"{}\"}} {}\n",
                         wire::name(static_cast<wire::Drop>(i)), c.rx_dropped[i]);
    }
    counter(out, "hyphae_rx_packets_total", "Datagrams received.", c.rx_packets);
    counter(out, "hyphae_rx_bytes_total", "Bytes received.", c.rx_bytes);
    counter(out, "hyphae_tx_packets_total", "Datagrams sent.", c.tx_packets);
    counter(out, "hyphae_tx_bytes_total", "Bytes sent.", c.tx_bytes);
    counter(out, "hyphae_handshakes_initiated_total", "Noise handshakes this node started.",
            c.handshakes_initiated);
    counter(out, "hyphae_handshakes_completed_total", "Noise handshakes completed.", c.handshakes_completed);
    counter(out, "hyphae_messages_sent_total", "Messages accepted for sending.", c.messages_sent);
    counter(out, "hyphae_messages_received_total", "Messages delivered to this node.", c.messages_received);
    counter(out, "hyphae_messages_duplicate_total", "Duplicate message copies suppressed.",
            c.messages_duplicate);
    counter(out, "hyphae_messages_retransmitted_total", "Message retransmissions.", c.messages_retransmitted);
    counter(out, "hyphae_messages_failed_total", "Messages that missed their deadline.", c.messages_failed);
    std::size_t connected = 0;
    for (const auto& p : n.peers()) connected += p.state == "connected" ? 1 : 0;
    gauge(out, "hyphae_peers_connected", "Neighbours with an established session.",
          static_cast<double>(connected));
    gauge(out, "hyphae_outbox_messages", "Messages awaiting acknowledgement.",
          static_cast<double>(n.outbox_size()));
    gauge(out, "hyphae_uptime_seconds", "Seconds since the daemon started.",
          (runtime::monotonic_now() - ctx.started_at).seconds());
    return out;
  });
}

}  // namespace hyphae::daemon
