#include "daemon/alerts.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <set>

namespace hyphae::daemon {

std::string_view name(Severity s) {
  switch (s) {
    case Severity::low:
      return "LOW";
    case Severity::medium:
      return "MEDIUM";
    case Severity::high:
      return "HIGH";
    case Severity::critical:
      return "CRITICAL";
  }
  return "?";
}

std::string_view name(AlertState s) {
  switch (s) {
    case AlertState::open:
      return "open";
    case AlertState::acked:
      return "acked";
    case AlertState::resolved:
      return "resolved";
  }
  return "?";
}

std::optional<Severity> parse_severity(std::string_view s) {
  for (auto v : {Severity::low, Severity::medium, Severity::high, Severity::critical}) {
    if (name(v) == s) return v;
  }
  return std::nullopt;
}

std::optional<AlertState> parse_alert_state(std::string_view s) {
  for (auto v : {AlertState::open, AlertState::acked, AlertState::resolved}) {
    if (name(v) == s) return v;
  }
  return std::nullopt;
}

namespace {
constexpr std::string_view kPartition = "partition";
constexpr std::string_view kNodeFailed = "node_failed";

std::string short_id(std::string_view id) { return std::string(id.substr(0, 8)); }
}  // namespace

void AlertEngine::restore(std::vector<Alert> alerts) {
  for (auto& a : alerts) {
    next_id_ = std::max(next_id_, a.id + 1);
    alerts_[a.id] = std::move(a);
  }
  trim_resolved();
}

Alert* AlertEngine::active(std::string_view kind, std::string_view subject) {
  // Few alerts are ever unresolved at once; a scan is fine.
  for (auto& [id, a] : alerts_) {
    if (a.state != AlertState::resolved && a.kind == kind && a.subject == subject) return &a;
  }
  return nullptr;
}

void AlertEngine::raise_or_update(std::vector<AlertChange>& out, std::string_view kind,
                                  std::string_view subject, Severity severity, std::string message,
                                  std::optional<double> value, std::optional<double> threshold,
                                  std::int64_t now) {
  if (Alert* a = active(kind, subject)) {
    if (severity <= a->severity) return;  // de-duplicated: the open alert stands
    a->severity = severity;
    a->message = std::move(message);
    a->value = value;
    a->threshold = threshold;
    out.push_back({AlertChange::Kind::updated, *a});
    return;
  }
  Alert a{.id = next_id_++,
          .kind = std::string(kind),
          .subject = std::string(subject),
          .severity = severity,
          .state = AlertState::open,
          .created_ms = now,
          .message = std::move(message),
          .value = value,
          .threshold = threshold};
  out.push_back({AlertChange::Kind::raised, a});
  alerts_[a.id] = std::move(a);
}

void AlertEngine::close(std::vector<AlertChange>& out, Alert& a, std::string_view why, std::int64_t now) {
  a.state = AlertState::resolved;
  a.resolved_ms = now;
  a.resolution = std::string(why);
  out.push_back({AlertChange::Kind::resolved, a});
}

void AlertEngine::resolve_active(std::vector<AlertChange>& out, std::string_view kind,
                                 std::string_view subject, std::string_view why, std::int64_t now) {
  if (Alert* a = active(kind, subject)) close(out, *a, why, now);
}

void AlertEngine::threshold_rule(std::vector<AlertChange>& out, std::string_view kind,
                                 std::string_view subject, const AlertRules::Threshold& t, bool greater,
                                 std::optional<double> value, std::string_view what, std::int64_t now) {
  if (!t.enabled) {
    resolve_active(out, kind, subject, "rule disabled", now);
    return;
  }
  if (!value) return;  // nothing measured: the alert, if any, stands
  const double v = *value;
  const auto crossed = [&](double threshold) { return greater ? v >= threshold : v <= threshold; };
  const std::string_view relation = greater ? ">=" : "<=";
  if (crossed(t.critical)) {
    raise_or_update(out, kind, subject, Severity::critical,
                    fmt::format("{} {:.4g} {} critical {:.4g}", what, v, relation, t.critical), v, t.critical,
                    now);
  } else if (crossed(t.warning)) {
    raise_or_update(out, kind, subject, Severity::medium,
                    fmt::format("{} {:.4g} {} warning {:.4g}", what, v, relation, t.warning), v, t.warning,
                    now);
  } else {
    // Hysteresis: clear only with a margin past the warning threshold, so a
    // value hovering at the threshold does not raise and resolve in turn.
    const double margin = t.warning * rules_.hysteresis;
    const bool cleared = greater ? v < t.warning - margin : v > t.warning + margin;
    if (cleared) resolve_active(out, kind, subject, "cleared", now);
  }
}

void AlertEngine::failures(std::vector<AlertChange>& out, const Observation& o) {
  const std::int64_t now = o.now_ms;
  std::map<std::string, std::string_view> seen;  // node id -> state
  std::size_t known = 0;
  for (const auto& p : o.peers) {
    seen[p.node_id] = p.state;
    if (p.state != "left") ++known;
  }
  // A peer is back when the view shows it alive, suspect (still being
  // checked) or left (a clean goodbye). A failed peer missing from the view
  // (forgotten, or not relearnt yet after a restart) is not back.
  const auto back = [&](const std::string& id) {
    auto it = seen.find(id);
    return it != seen.end() && it->second != "dead";
  };
  for (auto it = failed_since_.begin(); it != failed_since_.end();) {
    it = back(it->first) ? failed_since_.erase(it) : std::next(it);
  }
  for (const auto& p : o.peers) {
    if (p.state == "dead") failed_since_.try_emplace(p.node_id, now);
  }

  // Recoveries first.
  for (auto& [id, a] : alerts_) {
    if (a.state == AlertState::resolved || a.kind != kNodeFailed || !back(a.subject)) continue;
    close(out, a, seen[a.subject] == "left" ? "left" : "recovered", now);
  }
  std::set<std::string> in_partition;
  if (Alert* pa = active(kPartition, kPartition)) {
    std::size_t still = 0;
    for (const auto& m : pa->members) still += back(m) ? 0 : 1;
    if (!rules_.partition.enabled || still < rules_.partition.min_peers) {
      close(out, *pa, rules_.partition.enabled ? "healed" : "rule disabled", now);
      // Members come back one by one: a straggler gets one more window
      // before it has an alert of its own.
      for (const auto& m : pa->members) {
        if (auto it = failed_since_.find(m); it != failed_since_.end()) it->second = now;
      }
    } else {
      in_partition.insert(pa->members.begin(), pa->members.end());
    }
  }

  // Failed peers without an alert yet.
  const std::int64_t hold = rules_.partition.enabled ? rules_.partition.window_ms : 0;
  std::vector<std::string> recent, overdue;
  for (const auto& [id, since] : failed_since_) {
    if (in_partition.contains(id) || active(kNodeFailed, id) != nullptr) continue;
    (now - since < hold ? recent : overdue).push_back(id);
  }
  if (Alert* pa = active(kPartition, kPartition); pa != nullptr && !recent.empty()) {
    // More peers lost while the partition is open: the same event, grown.
    pa->members.insert(pa->members.end(), recent.begin(), recent.end());
    pa->message = fmt::format("{} peers unreachable together (network partition?)", pa->members.size());
    pa->value = static_cast<double>(pa->members.size());
    out.push_back({AlertChange::Kind::updated, *pa});
    recent.clear();
  }
  if (rules_.partition.enabled) {
    // Peers failing within one window, many at once: one alert for them all.
    const std::vector<std::string>& group = recent;
    const auto share = known == 0 ? 0.0 : static_cast<double>(group.size()) / static_cast<double>(known);
    if (group.size() >= rules_.partition.min_peers && share >= rules_.partition.min_share) {
      Alert a{.id = next_id_++,
              .kind = std::string(kPartition),
              .subject = std::string(kPartition),
              .severity = Severity::critical,
              .state = AlertState::open,
              .created_ms = now,
              .message = fmt::format("{} of {} known peers unreachable within {} s (network partition?)",
                                     group.size(), known, rules_.partition.window_ms / 1000),
              .value = static_cast<double>(group.size()),
              .threshold = rules_.partition.min_share,
              .members = group};
      out.push_back({AlertChange::Kind::raised, a});
      alerts_[a.id] = std::move(a);
    }
  }
  if (rules_.node_failed) {
    for (const auto& id : overdue) {
      raise_or_update(out, kNodeFailed, id, Severity::high,
                      fmt::format("peer {} is unreachable (declared dead by membership)", short_id(id)),
                      std::nullopt, std::nullopt, now);
    }
  } else {
    for (auto& [id, a] : alerts_) {
      if (a.state != AlertState::resolved && a.kind == kNodeFailed) close(out, a, "rule disabled", now);
    }
  }
}

std::vector<AlertChange> AlertEngine::evaluate(const Observation& o) {
  std::vector<AlertChange> out;
  if (!rules_.enabled) return out;
  const std::int64_t now = o.now_ms;
  std::set<std::string> alive;
  for (const auto& p : o.peers) {
    // Latency and health apply to alive peers only: a suspect or dead peer's
    // numbers are failure detection's business (node_failed, partition), and
    // alerting on them would raise one alert per peer of a partition.
    if (p.state != "alive") continue;
    alive.insert(p.node_id);
    threshold_rule(out, "latency", p.node_id, rules_.latency, true, p.rtt_ms,
                   fmt::format("RTT to {} (ms)", short_id(p.node_id)), now);
    threshold_rule(out, "health", p.node_id, rules_.health, false, p.health,
                   fmt::format("health of {}", short_id(p.node_id)), now);
  }
  for (auto& [id, a] : alerts_) {
    if (a.state == AlertState::resolved || (a.kind != "latency" && a.kind != "health")) continue;
    if (!alive.contains(a.subject)) close(out, a, "peer not alive", now);
  }
  threshold_rule(out, "resource", "cpu", rules_.resources, true, o.cpu_percent, "CPU use (%)", now);
  threshold_rule(out, "resource", "memory", rules_.resources, true, o.memory_percent, "memory use (%)", now);
  failures(out, o);
  trim_resolved();
  return out;
}

Result<std::optional<AlertChange>, AlertOpError> AlertEngine::acknowledge(std::uint64_t id,
                                                                          std::int64_t now_ms) {
  auto it = alerts_.find(id);
  if (it == alerts_.end()) return fail(AlertOpError::unknown_id);
  Alert& a = it->second;
  if (a.state == AlertState::resolved) return fail(AlertOpError::already_resolved);
  if (a.state == AlertState::acked) return std::optional<AlertChange>{};
  a.state = AlertState::acked;
  a.acked_ms = now_ms;
  return std::optional<AlertChange>{AlertChange{AlertChange::Kind::acked, a}};
}

Result<std::optional<AlertChange>, AlertOpError> AlertEngine::resolve(std::uint64_t id, std::int64_t now_ms) {
  auto it = alerts_.find(id);
  if (it == alerts_.end()) return fail(AlertOpError::unknown_id);
  if (it->second.state == AlertState::resolved) return std::optional<AlertChange>{};
  std::vector<AlertChange> out;
  close(out, it->second, "operator", now_ms);
  return std::optional<AlertChange>{std::move(out.front())};
}

std::vector<Alert> AlertEngine::list(std::optional<AlertState> state) const {
  std::vector<Alert> out;
  for (const auto& [id, a] : alerts_) {
    if (!state || a.state == *state) out.push_back(a);
  }
  return out;
}

const Alert* AlertEngine::find(std::uint64_t id) const {
  auto it = alerts_.find(id);
  return it == alerts_.end() ? nullptr : &it->second;
}

std::array<std::size_t, 4> AlertEngine::open_by_severity() const {
  std::array<std::size_t, 4> out{};
  for (const auto& [id, a] : alerts_) {
    if (a.state != AlertState::resolved) ++out[static_cast<std::size_t>(a.severity)];
  }
  return out;
}

void AlertEngine::trim_resolved() {
  std::size_t resolved = 0;
  for (const auto& [id, a] : alerts_) resolved += a.state == AlertState::resolved ? 1 : 0;
  for (auto it = alerts_.begin(); it != alerts_.end() && resolved > kResolvedKept;) {
    if (it->second.state == AlertState::resolved) {
      it = alerts_.erase(it);
      --resolved;
    } else {
      ++it;
    }
  }
}

}  // namespace hyphae::daemon
