#include "daemon/metrics.hpp"

#include <fmt/format.h>

#include <array>

#include "daemon/alerts_service.hpp"
#include "daemon/api.hpp"
#include "daemon/event_hub.hpp"
#include "daemon/lan_discovery_runner.hpp"
#include "daemon/store.hpp"
#include "runtime/clock.hpp"

namespace hyphae::daemon {
namespace {
void counter(std::string& out, std::string_view name, std::string_view help, std::uint64_t value) {
  out += fmt::format("# HELP {} {}\n# TYPE {} counter\n{} {}\n", name, help, name, name, value);
}
// Messages by priority and outcome, and send-to-ack latency histograms by
// priority (issue 7's statistics; the daemon's counters above count segments
// of the transport too).
void messaging_metrics(std::string& out, const messaging::MessagingStats& st) {
  static constexpr std::array<wire::Priority, 4> kPriorities{wire::Priority::critical, wire::Priority::high,
                                                             wire::Priority::medium, wire::Priority::low};
  out +=
      "# HELP hyphae_app_messages_total Application messages by priority and outcome (sent: accepted by "
      "send; "
      "rejected: queue full).\n"
      "# TYPE hyphae_app_messages_total counter\n";
  for (auto p : kPriorities) {
    const auto& s = st.by_priority[static_cast<std::size_t>(p)];
    for (const auto& [outcome, v] : {std::pair{"sent", s.sent}, std::pair{"delivered", s.delivered},
                                     std::pair{"failed", s.failed}, std::pair{"rejected", s.rejected}}) {
      out += fmt::format("hyphae_app_messages_total{{priority=\"{}\",outcome=\"{}\"}} {}\n", wire::name(p),
                         outcome, v);
    }
  }
  out +=
      "# HELP hyphae_message_latency_seconds Time from send to end-to-end acknowledgement, by priority.\n"
      "# TYPE hyphae_message_latency_seconds histogram\n";
  static constexpr std::array<double, 10> kBounds{0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.5, 1, 5};
  for (auto p : kPriorities) {
    const auto& h = st.by_priority[static_cast<std::size_t>(p)].latency;
    for (double le : kBounds) {
      out +=
          fmt::format("hyphae_message_latency_seconds_bucket{{priority=\"{}\",le=\"{}\"}} {}\n",
                      wire::name(p), le, h.count_at_most(microseconds(static_cast<std::int64_t>(le * 1e6))));
    }
    out += fmt::format("hyphae_message_latency_seconds_bucket{{priority=\"{}\",le=\"+Inf\"}} {}\n",
                       wire::name(p), h.count());
    out += fmt::format("hyphae_message_latency_seconds_sum{{priority=\"{}\"}} {}\n", wire::name(p),
                       h.sum().seconds());
    out +=
        fmt::format("hyphae_message_latency_seconds_count{{priority=\"{}\"}} {}\n", wire::name(p), h.count());
  }
  out += fmt::format(
      "# HELP hyphae_app_messages_received_total Application messages delivered here (each once).\n"
      "# TYPE hyphae_app_messages_received_total counter\nhyphae_app_messages_received_total {}\n",
      st.received);
}

void gauge(std::string& out, std::string_view name, std::string_view help, double value) {
  out += fmt::format("# HELP {} {}\n# TYPE {} gauge\n{} {}\n", name, help, name, name, value);
}

void membership_metrics(std::string& out, const membership::Membership& m) {
  const auto& c = m.counters();
  const auto by_state = m.count_by_state();
  out +=
      "# HELP hyphae_membership_members Members this node knows (not itself), by state.\n"
      "# TYPE hyphae_membership_members gauge\n";
  for (auto s : {membership::State::alive, membership::State::suspect, membership::State::dead,
                 membership::State::left}) {
    out += fmt::format("hyphae_membership_members{{state=\"{}\"}} {}\n", membership::name(s),
                       by_state[static_cast<std::size_t>(s) - 1]);
  }
  out +=
      "# HELP hyphae_membership_dropped_total Membership packets or records dropped, by reason.\n"
      "# TYPE hyphae_membership_dropped_total counter\n";
  for (const auto& [reason, value] : c.dropped()) {
    out += fmt::format("hyphae_membership_dropped_total{{reason=\"{}\"}} {}\n", reason, value);
  }
  counter(out, "hyphae_membership_duplicate_records_total",
          "Records already known (normal gossip redundancy).", c.duplicate);
  counter(out, "hyphae_membership_packets_received_total", "Membership datagrams received.", c.packets_in);
  counter(out, "hyphae_membership_packets_sent_total", "Membership datagrams sent.", c.packets_out);
  counter(out, "hyphae_membership_probes_total", "Direct probes sent.", c.probes);
  counter(out, "hyphae_membership_probe_failures_total", "Probes that got no ack, direct or indirect.",
          c.probe_failures);
  counter(out, "hyphae_membership_indirect_probes_total", "Indirect probes requested.", c.indirect_probes);
  counter(out, "hyphae_membership_suspicions_total", "Members this node suspected.", c.suspicions);
  counter(out, "hyphae_membership_deaths_declared_total", "Members this node declared dead.",
          c.deaths_declared);
  counter(out, "hyphae_membership_refutations_total", "Suspicions of this node it refuted.", c.refutations);
  gauge(out, "hyphae_membership_incarnation", "This node's incarnation number.",
        static_cast<double>(m.incarnation()));
  gauge(out, "hyphae_membership_awareness", "Lifeguard local health multiplier (0 is healthy).",
        static_cast<double>(m.awareness()));
}

void discovery_metrics(std::string& out, const LanDiscoveryRunner& lan) {
  const auto& c = lan.core().counters();
  out +=
      "# HELP hyphae_discovery_beacons_dropped_total LAN beacons dropped, by reason.\n"
      "# TYPE hyphae_discovery_beacons_dropped_total counter\n";
  for (std::size_t i = 0; i < c.dropped.size(); ++i) {
    out += fmt::format("hyphae_discovery_beacons_dropped_total{{reason=\"{}\"}} {}\n",
                       discovery::name(static_cast<discovery::BeaconDrop>(i)), c.dropped[i]);
  }
  counter(out, "hyphae_discovery_beacons_received_total", "LAN beacons accepted.", c.received);
  counter(out, "hyphae_discovery_beacons_sent_total", "LAN beacons sent.", c.sent);
  gauge(out, "hyphae_discovery_lan_peers", "Peers heard on the LAN and not expired.",
        static_cast<double>(lan.core().size()));
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
    messaging_metrics(out, n.messaging_stats());
    std::size_t connected = 0;
    for (const auto& p : n.peers()) connected += p.state == "connected" ? 1 : 0;
    gauge(out, "hyphae_peers_connected", "Neighbours with an established session.",
          static_cast<double>(connected));
    gauge(out, "hyphae_outbox_messages", "Messages awaiting acknowledgement.",
          static_cast<double>(n.outbox_size()));
    gauge(out, "hyphae_uptime_seconds", "Seconds since the daemon started.",
          (runtime::monotonic_now() - ctx.started_at).seconds());
    if (const auto* m = n.membership()) membership_metrics(out, *m);
    if (ctx.lan != nullptr) discovery_metrics(out, *ctx.lan);
    if (ctx.store != nullptr) {
      counter(out, "hyphae_store_errors_total", "Store (SQLite) calls that failed.", ctx.store->errors());
    }
    if (ctx.hub != nullptr) {
      const auto& e = ctx.hub->counters();
      gauge(out, "hyphae_events_subscribers", "WebSocket event stream subscribers connected.",
            static_cast<double>(ctx.hub->subscribers()));
      counter(out, "hyphae_events_published_total", "Events published to the WebSocket stream.", e.published);
      counter(out, "hyphae_events_slow_consumers_total",
              "Subscribers cut off because they fell events.queue_max behind.", e.dropped_slow);
      counter(out, "hyphae_events_subscribers_rejected_total",
              "Subscriptions refused because events.subscribers_max were connected.", e.rejected);
    }
    if (ctx.alerts != nullptr) {
      out +=
          "# HELP hyphae_alerts_open Unresolved alerts (open or acknowledged), by severity.\n"
          "# TYPE hyphae_alerts_open gauge\n";
      const auto open = ctx.alerts->engine().open_by_severity();
      for (auto s : {Severity::low, Severity::medium, Severity::high, Severity::critical}) {
        out += fmt::format("hyphae_alerts_open{{severity=\"{}\"}} {}\n", name(s),
                           open[static_cast<std::size_t>(s)]);
      }
    }
    return out;
  });
}

}  // namespace hyphae::daemon
