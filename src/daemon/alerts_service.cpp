#include "daemon/alerts_service.hpp"

#include <spdlog/spdlog.h>

namespace hyphae::daemon {
using nlohmann::json;

namespace {

json opt(const std::optional<double>& v) { return v ? json(*v) : json(nullptr); }

// What goes into alerts.details: everything the table has no column for.
json details_json(const Alert& a) {
  return {{"subject", a.subject},          {"message", a.message}, {"value", opt(a.value)},
          {"threshold", opt(a.threshold)}, {"members", a.members}, {"resolution", a.resolution}};
}

std::string_view event_type(AlertChange::Kind k) {
  switch (k) {
    case AlertChange::Kind::raised:
      return "alert.raised";
    case AlertChange::Kind::updated:
      return "alert.updated";
    case AlertChange::Kind::acked:
      return "alert.acked";
    case AlertChange::Kind::resolved:
      return "alert.resolved";
  }
  return "alert.updated";
}

bool is_node_id(std::string_view s) {
  return s.size() == 40 && s.find_first_not_of("0123456789abcdef") == std::string_view::npos;
}

}  // namespace

json to_json(const Alert& a) {
  return {{"id", a.id},
          {"kind", a.kind},
          {"subject", a.subject},
          {"severity", name(a.severity)},
          {"state", name(a.state)},
          {"created", rfc3339_ms(a.created_ms)},
          {"acked", a.acked_ms ? json(rfc3339_ms(*a.acked_ms)) : json(nullptr)},
          {"resolved", a.resolved_ms ? json(rfc3339_ms(*a.resolved_ms)) : json(nullptr)},
          {"message", a.message},
          {"value", opt(a.value)},
          {"threshold", opt(a.threshold)},
          {"members", a.members},
          {"resolution", a.resolution.empty() ? json(nullptr) : json(a.resolution)}};
}

AlertRow to_row(const Alert& a) {
  return AlertRow{.id = a.id,
                  .kind = a.kind,
                  .severity = std::string(name(a.severity)),
                  .state = std::string(name(a.state)),
                  .created = a.created_ms,
                  .acked = a.acked_ms,
                  .resolved = a.resolved_ms,
                  .details = details_json(a).dump()};
}

std::optional<Alert> from_row(const AlertRow& row) {
  auto severity = parse_severity(row.severity);
  auto state = parse_alert_state(row.state);
  const auto d = json::parse(row.details, nullptr, /*allow_exceptions=*/false);
  if (!severity || !state || !d.is_object()) return std::nullopt;
  Alert a{.id = row.id,
          .kind = row.kind,
          .severity = *severity,
          .state = *state,
          .created_ms = row.created,
          .acked_ms = row.acked,
          .resolved_ms = row.resolved};
  if (d.contains("subject") && d["subject"].is_string()) a.subject = d["subject"].get<std::string>();
  if (d.contains("message") && d["message"].is_string()) a.message = d["message"].get<std::string>();
  if (d.contains("value") && d["value"].is_number()) a.value = d["value"].get<double>();
  if (d.contains("threshold") && d["threshold"].is_number()) a.threshold = d["threshold"].get<double>();
  if (d.contains("resolution") && d["resolution"].is_string())
    a.resolution = d["resolution"].get<std::string>();
  if (d.contains("members") && d["members"].is_array()) {
    for (const auto& m : d["members"]) {
      if (m.is_string()) a.members.push_back(m.get<std::string>());
    }
  }
  return a;
}

AlertService::AlertService(const AlertRules& rules, Store& store, Emit emit, std::string self_id)
    : engine_(rules), store_(store), emit_(std::move(emit)), self_id_(std::move(self_id)) {}

Result<void, std::string> AlertService::load() {
  auto rows = store_.alerts(AlertEngine::kResolvedKept);
  if (!rows) return fail(rows.error());
  std::vector<Alert> alerts;
  for (const auto& row : *rows) {
    if (auto a = from_row(row)) {
      alerts.push_back(std::move(*a));
    } else {
      spdlog::warn("store: alert {} has a severity, state or details this build does not know; skipped",
                   row.id);
    }
  }
  engine_.restore(std::move(alerts));
  return {};
}

bool AlertService::persist(const AlertChange& c) {
  if (auto r = store_.put_alert(to_row(c.alert)); !r) {
    spdlog::error("{}", r.error());
    return false;
  }
  return true;
}

void AlertService::evaluate(const Observation& o) {
  for (const auto& c : engine_.evaluate(o)) {
    // A failed write is counted by the store and logged; the alert still
    // shows in the API and is written again with its next change.
    persist(c);
    const Alert& a = c.alert;
    if (c.kind == AlertChange::Kind::raised) {
      spdlog::warn("alert raised id={} kind={} severity={} {}", a.id, a.kind, name(a.severity), a.message);
    } else if (c.kind == AlertChange::Kind::resolved) {
      spdlog::info("alert resolved id={} kind={} resolution={}", a.id, a.kind, a.resolution);
    }
    emit_(LoggedEvent{.time = rfc3339_ms(o.now_ms),
                      .type = std::string(event_type(c.kind)),
                      .node_id = is_node_id(a.subject) ? a.subject : self_id_,
                      .data = to_json(a)});
  }
}

Result<Alert, AlertOpFailure> AlertService::operate(std::uint64_t id, std::int64_t now_ms, bool ack) {
  const Alert* before = engine_.find(id);
  if (before == nullptr) return fail(AlertOpFailure::unknown_id);
  Alert saved = *before;
  auto r = ack ? engine_.acknowledge(id, now_ms) : engine_.resolve(id, now_ms);
  if (!r) {
    return fail(r.error() == AlertOpError::unknown_id ? AlertOpFailure::unknown_id
                                                      : AlertOpFailure::already_resolved);
  }
  if (!*r) return saved;  // already in that state: nothing to write
  if (!persist(**r)) {
    engine_.restore({saved});  // not on disk, so not done
    return fail(AlertOpFailure::store_error);
  }
  const Alert& a = (*r)->alert;
  spdlog::info("alert {} id={} kind={} by operator", ack ? "acked" : "resolved", a.id, a.kind);
  emit_(LoggedEvent{.time = rfc3339_ms(now_ms),
                    .type = std::string(event_type((*r)->kind)),
                    .node_id = is_node_id(a.subject) ? a.subject : self_id_,
                    .data = to_json(a)});
  return a;
}

Result<Alert, AlertOpFailure> AlertService::acknowledge(std::uint64_t id, std::int64_t now_ms) {
  return operate(id, now_ms, true);
}

Result<Alert, AlertOpFailure> AlertService::resolve(std::uint64_t id, std::int64_t now_ms) {
  return operate(id, now_ms, false);
}

}  // namespace hyphae::daemon
