#include "sim/run.hpp"

#include <fmt/format.h>

#include <cmath>
#include <map>

#include "sim/scenario.hpp"
#include "sim/wall_clock.hpp"
#include "sim/world.hpp"

namespace hyphae::sim {
namespace {

using nlohmann::ordered_json;

bool is_file(const std::string& s) {
  return s.find('/') != std::string::npos || s.ends_with(".json") || s.ends_with(".toml");
}

// Plain seconds, as `hyphae sim --duration` takes them ("60", "2.5").
std::string duration_arg(Duration d) { return fmt::format("{}", d.seconds()); }

ordered_json ms_or_null(const std::optional<Instant>& t) {
  if (!t) return nullptr;
  return static_cast<double>(t->ns) / 1e6;
}

double round3(double v) {
  return static_cast<double>(static_cast<std::int64_t>(v * 1000.0 + (v < 0 ? -0.5 : 0.5))) / 1000.0;
}

// Seven-city: mean SRTT the nodes measured per city pair, against the model.
ordered_json rtt_matrix(const World& w, bool& all_ok) {
  std::map<std::pair<int, int>, std::pair<double, std::uint64_t>> sums;  // ms sum, samples
  for (NodeIndex n = 0; n < w.size(); ++n) {
    const node::Node* core = w.node(n);
    if (!core) continue;
    for (const auto& p : core->peers()) {
      const auto idx = w.index_of(p.id);
      if (!idx || !p.srtt || p.state != "connected") continue;
      const int a = w.topology().site[n], b = w.topology().site[*idx];
      auto& [sum, count] = sums[{std::min(a, b), std::max(a, b)}];
      sum += p.srtt->ms();
      ++count;
    }
  }
  ordered_json out = ordered_json::array();
  all_ok = true;
  for (std::size_t a = 0; a < kCities; ++a) {
    for (std::size_t b = a; b < kCities; ++b) {
      const LinkParams model = w.topology().link(static_cast<NodeIndex>(a), static_cast<NodeIndex>(b));
      // Nodes 0..6 are one per city, so (a, b) has the model of cities a and b.
      const double configured = 2 * model.latency.ms();
      const double jitter = model.jitter.ms();
      auto it = sums.find({int(a), int(b)});
      ordered_json row;
      row["a"] = kCityNames[a];
      row["b"] = kCityNames[b];
      row["configured_rtt_ms"] = round3(configured);
      row["jitter_ms"] = round3(jitter);
      if (it == sums.end()) {
        row["measured_rtt_ms"] = nullptr;
        row["samples"] = 0;
        row["within_jitter"] = false;
        if (a != b) all_ok = false;  // a city pair with no session at all
      } else {
        const double measured = it->second.first / static_cast<double>(it->second.second);
        // Each direction adds uniform [0, jitter]: the RTT lies in [configured, configured + 2 jitter];
        // allow 1 ms for smoothing and timer granularity.
        const bool ok = measured >= configured - 1.0 && measured <= configured + 2 * jitter + 1.0;
        row["measured_rtt_ms"] = round3(measured);
        row["samples"] = it->second.second;
        row["within_jitter"] = ok;
        if (!ok) all_ok = false;
      }
      out.push_back(std::move(row));
    }
  }
  return out;
}

// SWIM/Lifeguard figures and the membership expectations (issue 5's goals).
void membership_summary(const World& w, const Scenario& scenario, ordered_json& j,
                        std::vector<std::string>& failed) {
  const Stats& st = w.stats();
  const MembershipSpec& ms = scenario.membership;
  const membership::MembershipConfig mc = *w.node_config().membership;
  const double n = static_cast<double>(w.size());
  const double factor = mc.suspicion_mult * std::log10(std::max(2.0, n));
  const double bound_ms =
      ms.detection_bound.value_or(1.5) * mc.probe_interval.ms() * factor;  // printed always
  const double p50 = percentile_ms(st.detection_ns, 50), p99 = percentile_ms(st.detection_ns, 99);
  const double seconds = std::max(1e-9, (w.now() - w.start()).seconds());
  const double bytes_per_node_s = static_cast<double>(w.membership_bytes_out()) / n / seconds;
  // The last World::kSteadyWindow of the run, after joins and failures have settled.
  const auto at_window = w.membership_bytes_at_window();
  const double steady_per_node_s = at_window ? static_cast<double>(w.membership_bytes_out() - *at_window) /
                                                   n / World::kSteadyWindow.seconds()
                                             : 0;
  const auto converged = w.membership_converged_at();
  const std::size_t undetected = w.undetected_crashes();
  j["membership"] = {{"lifeguard", mc.lifeguard},
                     {"view_converged_at_ms", ms_or_null(converged)},
                     {"detections", st.detection_ns.size()},
                     {"detection_p50_ms", round3(p50)},
                     {"detection_p99_ms", round3(p99)},
                     {"detection_bound_ms", round3(bound_ms)},
                     {"undetected", undetected},
                     {"false_positives", st.false_positives},
                     {"suspicions", st.suspicions},
                     {"control_bytes_per_node_per_s", round3(bytes_per_node_s)},
                     {"steady_bytes_per_node_per_s", round3(steady_per_node_s)}};
  // Where the bytes went (live nodes), over the run and in the steady window.
  const auto kinds = w.membership_bytes_by_kind();
  const auto kinds_window = w.membership_bytes_by_kind_at_window();
  ordered_json by_kind, steady_by_kind;
  for (std::size_t k = 0; k < kinds.size(); ++k) {
    const auto name = std::string(membership::name(static_cast<membership::Traffic>(k)));
    by_kind[name] = round3(static_cast<double>(kinds[k]) / n / seconds);
    if (kinds_window) {
      steady_by_kind[name] =
          round3(static_cast<double>(kinds[k] - (*kinds_window)[k]) / n / World::kSteadyWindow.seconds());
    }
  }
  j["membership"]["bytes_per_node_per_s_by_kind"] = by_kind;
  if (kinds_window) j["membership"]["steady_bytes_per_node_per_s_by_kind"] = steady_by_kind;
  if (ms.converge_within && (!converged || *converged - w.start() > *ms.converge_within)) {
    failed.push_back(fmt::format(
        "membership converge_within {:.1f} s: {}", ms.converge_within->seconds(),
        converged ? fmt::format("took {:.3f} s", (*converged - w.start()).seconds()) : std::string("never")));
  }
  if (ms.no_false_positives && st.false_positives > 0) {
    failed.push_back(fmt::format("membership: {} false positives", st.false_positives));
  }
  if (undetected > 0) failed.push_back(fmt::format("membership: {} survivor views miss a crash", undetected));
  if (ms.detection_bound && !st.detection_ns.empty() && p99 > bound_ms) {
    failed.push_back(fmt::format("membership: p99 detection {:.0f} ms above {:.0f} ms", p99, bound_ms));
  }
}

// Babel figures and the routing expectations (issue 6's goals).
void routing_summary(const World& w, const Scenario& scenario, ordered_json& j,
                     std::vector<std::string>& failed) {
  const RoutingSpec& rs = scenario.routing;
  const double seconds = std::max(1e-9, (w.now() - w.start()).seconds());
  const auto converged = w.routes_converged_at();
  const auto reconverged = w.routes_reconverged_at();
  j["routing"] = {{"routes_converged_at_ms", ms_or_null(converged)},
                  {"routes_reconverged_at_ms", ms_or_null(reconverged)},
                  {"control_bytes_per_node_per_s", round3(static_cast<double>(w.routing_bytes_out()) /
                                                          static_cast<double>(w.size()) / seconds)},
                  {"peak_packets_per_s_any_node_before_fault", round3(w.peak_routing_packets_per_s_before())},
                  {"peak_packets_per_s_any_node_after_fault", round3(w.peak_routing_packets_per_s_after())},
                  {"peak_updates_per_s_any_node_before_fault", round3(w.peak_routing_updates_per_s_before())},
                  {"peak_updates_per_s_any_node_converged_before_fault",
                   round3(w.peak_routing_updates_per_s_converged())},
                  {"peak_updates_per_s_any_node_after_fault", round3(w.peak_routing_updates_per_s_after())},
                  {"loop_checks", w.loop_checks()}};
  if (rs.converge_within && (!converged || *converged - w.start() > *rs.converge_within)) {
    failed.push_back(fmt::format(
        "routing converge_within {:.1f} s: {}", rs.converge_within->seconds(),
        converged ? fmt::format("took {:.3f} s", (*converged - w.start()).seconds()) : std::string("never")));
  }
  if (rs.reconverge && !reconverged)
    failed.push_back("routing: routes did not reconverge after the last fault");
}

}  // namespace

ordered_json deterministic_part(const ordered_json& summary) {
  ordered_json out = summary;
  out.erase("wall_ms");
  out.erase("host");
  return out;
}

Result<SimSummary, std::string> run_scenario(const SimOptions& options, std::ostream& progress_out) {
  const WallClock wall;  // reporting only
  Result<Scenario, std::string> loaded = is_file(options.scenario)
                                             ? load_scenario_file(options.scenario)
                                             : named_scenario(options.scenario, std::nullopt);
  if (!loaded) return fail(loaded.error());
  Scenario scenario = std::move(*loaded);
  if (options.nodes) {
    if (*options.nodes < 2) return fail(fmt::format("--nodes {}: at least 2 nodes", *options.nodes));
    // Named scenarios that size their faults by the node count are rebuilt for the new size.
    if (!is_file(options.scenario)) {
      auto resized = named_scenario(options.scenario, options.nodes);
      if (!resized) return fail(resized.error());
      scenario = std::move(*resized);
    } else {
      scenario.topology.nodes = *options.nodes;
    }
  }
  if (options.duration) {
    if (options.duration->ns <= 0) return fail(std::string("--duration must be positive"));
    scenario.duration = *options.duration;
  }
  if (options.check_every_event) scenario.check_every_event = true;
  if (options.plain_swim) scenario.membership.lifeguard = false;

  auto created = World::create(scenario, options.seed);
  if (!created) return fail(created.error());
  World& w = **created;

  if (options.progress) {
    const Duration step = std::max(scenario.duration / 20, milliseconds(100));
    w.on_progress(step, [&progress_out, &wall, &scenario](const World& world) {
      const auto elapsed = wall.elapsed_ms();
      if (elapsed < 2000) return;  // quiet for short runs
      const auto view = world.membership_view();
      progress_out << fmt::format(
          "sim: {:.1f}/{:.1f} s virtual, {} events, {} datagrams, {}/{} expected links up, {}"
          "wall {:.1f} s\n",
          (world.now() - world.start()).seconds(), scenario.duration.seconds(), world.stats().events,
          world.stats().datagrams, world.expected_pairs_up(), world.expected_pairs(),
          view ? fmt::format("members known {:.1f} % (least {:.1f} %), ", 100 * view->mean, 100 * view->least)
               : std::string(),
          static_cast<double>(elapsed) / 1e3);
      progress_out.flush();
    });
  }
  const bool finished = w.run_until(w.start() + scenario.duration);

  SimSummary out;
  ordered_json& j = out.json;
  const Stats& st = w.stats();
  const std::string replay =
      fmt::format("hyphae sim --scenario {} --seed {}{}{}", options.scenario, options.seed,
                  options.nodes ? fmt::format(" --nodes {}", *options.nodes) : "",
                  options.duration ? " --duration " + duration_arg(*options.duration) : "");
  j["scenario"] = scenario.name;
  j["topology"] = scenario.topology.kind;
  j["seed"] = options.seed;
  j["nodes"] = w.size();
  j["edges"] = w.topology().edges.size();
  j["virtual_ms"] = static_cast<double>((w.now() - w.start()).ns) / 1e6;
  j["wall_ms"] = 0;  // filled in last
  j["events"] = st.events;
  j["datagrams"] = st.datagrams;
  j["delivered"] = st.delivered;
  j["dropped"] = st.dropped;
  ordered_json by_reason = ordered_json::object();
  for (std::size_t r = 0; r < st.dropped_by.size(); ++r) {
    if (st.dropped_by[r] > 0) by_reason[std::string(name(static_cast<DropReason>(r)))] = st.dropped_by[r];
  }
  j["dropped_by_reason"] = by_reason;
  j["trace_hash"] = w.trace().hash_hex();
  j["trace_records"] = w.trace().records();
  j["converged_at_ms"] = ms_or_null(w.converged_at());
  j["reconverged_at_ms"] = ms_or_null(w.reconverged_at());
  j["last_fault_ms"] = static_cast<double>(w.last_fault_at().ns) / 1e6;
  j["expected_links"] = w.expected_pairs();
  j["expected_links_up"] = w.expected_pairs_up();
  j["faults"] = st.faults;
  j["peer_connected_events"] = st.peer_connected;
  j["peer_lost_events"] = st.peer_lost;
  std::uint64_t handshakes = 0, rx_dropped = 0;
  for (NodeIndex n = 0; n < w.size(); ++n) {
    if (const node::Node* core = w.node(n)) {
      handshakes += core->counters().handshakes_completed;
      rx_dropped += core->counters().dropped_total();
    }
  }
  j["handshakes_completed"] = handshakes;  // live nodes' counters (a crash resets them)
  j["node_rx_dropped"] = rx_dropped;
  j["messages"] = {{"sent", st.messages_sent},
                   {"refused", st.messages_refused},
                   {"delivered", st.messages_delivered},
                   {"acked", st.messages_acked},
                   {"failed", st.messages_failed},
                   {"ack_p50_ms", round3(percentile_ms(st.ack_latency_ns, 50))},
                   {"ack_p99_ms", round3(percentile_ms(st.ack_latency_ns, 99))}};

  std::vector<std::string> failed;
  if (scenario.membership.enabled) membership_summary(w, scenario, j, failed);
  if (scenario.routing.enabled) routing_summary(w, scenario, j, failed);
  const Expectations& ex = scenario.expect;
  if (ex.converge && !w.converged_at()) failed.push_back("converge: not every expected link came up");
  if (ex.converge && ex.converge_within && w.converged_at() &&
      *w.converged_at() - w.start() > *ex.converge_within) {
    failed.push_back(fmt::format("converge_within: converged at {:.3f} s, later than {:.3f} s",
                                 (*w.converged_at() - w.start()).seconds(), ex.converge_within->seconds()));
  }
  if (ex.reconverge && !w.reconverged_at())
    failed.push_back("reconverge: links did not all come back after the last fault");
  j["messages"]["unresolved"] = w.messages_unresolved();
  if (ex.messages_resolved && w.messages_unresolved() > 0) {
    failed.push_back(fmt::format("messages_resolved: {} messages neither acked nor failed at the end",
                                 w.messages_unresolved()));
  }
  if (scenario.topology.kind == "seven-city") {
    bool rtt_ok = false;
    j["rtt_matrix"] = rtt_matrix(w, rtt_ok);
    if (ex.rtt_within_jitter && !rtt_ok)
      failed.push_back("rtt_within_jitter: a city pair's measured RTT is off the model");
  }
  j["failed_expectations"] = failed;
  if (const auto& v = w.violation()) {
    j["violation"] = {
        {"invariant", v->violation.invariant},
        {"node", v->violation.node == kNoNode ? ordered_json(nullptr) : ordered_json(v->violation.node)},
        {"at_ms", static_cast<double>(v->at.ns) / 1e6},
        {"detail", v->violation.detail}};
    out.report = v->text();
  } else {
    j["violation"] = nullptr;
  }
  for (const auto& f : failed) out.report += "EXPECTATION FAILED: " + f + "\n";
  out.ok = finished && failed.empty();
  if (!out.ok) out.report += "  replay: " + replay + "\n";
  j["ok"] = out.ok;
  j["replay"] = replay;

  const std::int64_t wall_ms = wall.elapsed_ms();
  j["wall_ms"] = wall_ms;
  const double wall_s = std::max(1e-3, static_cast<double>(wall_ms) / 1e3);
  j["host"] = {{"peak_rss_kib", peak_rss_kib()},
               {"events_per_wall_s", static_cast<std::int64_t>(static_cast<double>(st.events) / wall_s)},
               {"node_seconds_per_wall_s",
                round3(static_cast<double>(w.size()) * (w.now() - w.start()).seconds() / wall_s)},
               {"virtual_per_wall", round3((w.now() - w.start()).seconds() / wall_s)}};
  return out;
}

std::string SimSummary::to_text() const {
  const auto& j = json;
  std::string out = fmt::format(
      "scenario {} ({}), {} nodes, {} links, seed {}\n"
      "virtual {:.3f} s in {} ms wall; {} events, {} datagrams ({} dropped)\n"
      "converged at {}; reconverged at {}\n"
      "messages: {} sent, {} delivered, {} acked, {} failed; ack p50 {} ms, p99 {} ms\n",
      j["scenario"].get<std::string>(), j["topology"].get<std::string>(), j["nodes"].get<std::size_t>(),
      j["edges"].get<std::size_t>(), j["seed"].get<std::uint64_t>(), j["virtual_ms"].get<double>() / 1e3,
      j["wall_ms"].get<std::int64_t>(), j["events"].get<std::uint64_t>(), j["datagrams"].get<std::uint64_t>(),
      j["dropped"].get<std::uint64_t>(),
      j["converged_at_ms"].is_null() ? std::string("never")
                                     : fmt::format("{:.3f} ms", j["converged_at_ms"].get<double>()),
      j["reconverged_at_ms"].is_null() ? std::string("never")
                                       : fmt::format("{:.3f} ms", j["reconverged_at_ms"].get<double>()),
      j["messages"]["sent"].get<std::uint64_t>(), j["messages"]["delivered"].get<std::uint64_t>(),
      j["messages"]["acked"].get<std::uint64_t>(), j["messages"]["failed"].get<std::uint64_t>(),
      j["messages"]["ack_p50_ms"].get<double>(), j["messages"]["ack_p99_ms"].get<double>());
  if (j.contains("rtt_matrix")) {
    out += "city pair                     configured   measured  (jitter)\n";
    for (const auto& row : j["rtt_matrix"]) {
      out += fmt::format("{:>13} - {:<13} {:>8.1f} ms {:>8} ms  (±{:.1f}) {}\n", row["a"].get<std::string>(),
                         row["b"].get<std::string>(), row["configured_rtt_ms"].get<double>(),
                         row["measured_rtt_ms"].is_null()
                             ? std::string("-")
                             : fmt::format("{:.1f}", row["measured_rtt_ms"].get<double>()),
                         row["jitter_ms"].get<double>(), row["within_jitter"].get<bool>() ? "ok" : "OFF");
    }
  }
  if (j.contains("routing")) {
    const auto& r = j["routing"];
    auto at = [](const ordered_json& v) {
      return v.is_null() ? std::string("never") : fmt::format("{:.0f} ms", v.get<double>());
    };
    out += fmt::format(
        "routing: every node routes to its component at {}, again after the last fault at {}; control "
        "bytes/s per node {:.0f}; peak routing packets/s at any node {:.0f} before the first fault, {:.0f} "
        "after; peak updates/s at any node {:.0f} before the first fault ({:.0f} once converged), {:.0f} "
        "after; {} loop checks, no loop\n",
        at(r["routes_converged_at_ms"]), at(r["routes_reconverged_at_ms"]),
        r["control_bytes_per_node_per_s"].get<double>(),
        r["peak_packets_per_s_any_node_before_fault"].get<double>(),
        r["peak_packets_per_s_any_node_after_fault"].get<double>(),
        r["peak_updates_per_s_any_node_before_fault"].get<double>(),
        r["peak_updates_per_s_any_node_converged_before_fault"].get<double>(),
        r["peak_updates_per_s_any_node_after_fault"].get<double>(), r["loop_checks"].get<std::uint64_t>());
  }
  if (j.contains("membership")) {
    const auto& m = j["membership"];
    out += fmt::format(
        "membership ({}): full view at {}; {} detections, p50 {} ms, p99 {} ms (bound {} ms), {} undetected, "
        "{} false positives, {} suspicions; control bytes/s per node {:.0f} overall, {:.0f} in the last 10 "
        "s\n",
        m["lifeguard"].get<bool>() ? "SWIM + Lifeguard" : "plain SWIM",
        m["view_converged_at_ms"].is_null()
            ? std::string("never")
            : fmt::format("{:.0f} ms", m["view_converged_at_ms"].get<double>()),
        m["detections"].get<std::size_t>(), m["detection_p50_ms"].get<double>(),
        m["detection_p99_ms"].get<double>(), m["detection_bound_ms"].get<double>(),
        m["undetected"].get<std::size_t>(), m["false_positives"].get<std::uint64_t>(),
        m["suspicions"].get<std::uint64_t>(), m["control_bytes_per_node_per_s"].get<double>(),
        m["steady_bytes_per_node_per_s"].get<double>());
  }
  out += fmt::format("trace {}  {}\n", j["trace_hash"].get<std::string>(), ok ? "OK" : "FAILED");
  if (!report.empty()) out += report;
  return out;
}

}  // namespace hyphae::sim
