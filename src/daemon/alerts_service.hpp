// The alert engine wired to the daemon: every change is written to the store
// (synchronously, before an operator's ack or resolve is answered) and
// reported as an event (alert.raised, alert.updated, alert.acked,
// alert.resolved).
#pragma once

#include <functional>
#include <nlohmann/json.hpp>
#include <string>

#include "daemon/alerts.hpp"
#include "daemon/event_log.hpp"
#include "daemon/store.hpp"

namespace hyphae::daemon {

nlohmann::json to_json(const Alert& a);
AlertRow to_row(const Alert& a);
// nullopt when the row is not one this build understands (it is skipped).
std::optional<Alert> from_row(const AlertRow& row);

enum class AlertOpFailure : std::uint8_t { unknown_id, already_resolved, store_error };

class AlertService {
 public:
  using Emit = std::function<void(LoggedEvent)>;

  // `self_id` names this node in events about it (resource alerts).
  AlertService(const AlertRules& rules, Store& store, Emit emit, std::string self_id);

  // Restores the unresolved alerts (and recent resolved ones) from the store.
  Result<void, std::string> load();
  void evaluate(const Observation& o);
  // On success, the alert after the operation; on store_error the alert is
  // left as it was, in memory and on disk.
  Result<Alert, AlertOpFailure> acknowledge(std::uint64_t id, std::int64_t now_ms);
  Result<Alert, AlertOpFailure> resolve(std::uint64_t id, std::int64_t now_ms);

  const AlertEngine& engine() const { return engine_; }

 private:
  bool persist(const AlertChange& c);
  Result<Alert, AlertOpFailure> operate(std::uint64_t id, std::int64_t now_ms, bool ack);

  AlertEngine engine_;
  Store& store_;
  Emit emit_;
  std::string self_id_;
};

}  // namespace hyphae::daemon
