// Alert rules (seed 004) as plain logic: the daemon passes in what it
// observed and the wall-clock time; the engine answers with the alerts it
// raised, escalated or resolved. No clock, no I/O, no store: the daemon
// persists what changes (alerts_service.hpp).
//
// Rules and severities:
//   latency     per peer RTT     >= warning (500 ms) MEDIUM, >= critical (1000 ms) CRITICAL
//   health      per peer score   <= warning (0.5)    MEDIUM, <= critical (0.3)     CRITICAL
//   resource    this node's CPU and memory, subjects "cpu" and "memory":
//                                >= warning (80 %)   MEDIUM, >= critical (95 %)    CRITICAL
//   node_failed a peer membership declared dead: HIGH
//   partition   >= min_peers peers (2) and >= min_share (30 %) of the known
//               peers failed within `window` (10 s) of each other: ONE alert
//               (CRITICAL) listing them, instead of one node_failed each
// LOW is left for informational rules; none uses it yet.
//
// One unresolved alert per (kind, subject): a condition that persists updates
// it (severity only rises) instead of raising another. An alert resolves by
// itself when its condition clears with a margin (hysteresis): a "greater"
// rule clears below warning * (1 - hysteresis), a "less" rule above
// warning * (1 + hysteresis). A failed peer is held back for `window` before
// it gets its own node_failed alert, so that peers failing together are seen
// together; a partition alert resolves when fewer than min_peers of its peers
// are still failed, and those still failed get their own alerts if they are
// not back within one more window.
#pragma once

#include <array>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "base/result.hpp"

namespace hyphae::daemon {

enum class Severity : std::uint8_t { low, medium, high, critical };
enum class AlertState : std::uint8_t { open, acked, resolved };
std::string_view name(Severity s);
std::string_view name(AlertState s);
std::optional<Severity> parse_severity(std::string_view s);
std::optional<AlertState> parse_alert_state(std::string_view s);

// [alerts] in the config.
struct AlertRules {
  bool enabled = true;
  std::int64_t interval_ms = 5000;  // how often the daemon evaluates
  double hysteresis = 0.1;
  struct Threshold {
    bool enabled = true;
    double warning = 0, critical = 0;
  };
  Threshold latency{.warning = 500, .critical = 1000};  // ms, greater is worse
  Threshold health{.warning = 0.5, .critical = 0.3};    // 0..1, less is worse
  Threshold resources{.warning = 80, .critical = 95};   // percent, greater is worse
  bool node_failed = true;
  struct Partition {
    bool enabled = true;
    std::int64_t window_ms = 10'000;
    std::size_t min_peers = 2;
    double min_share = 0.3;
  } partition;
};

struct Alert {
  std::uint64_t id = 0;
  std::string kind;
  std::string subject;  // node id, "cpu", "memory", or "partition"
  Severity severity = Severity::medium;
  AlertState state = AlertState::open;
  std::int64_t created_ms = 0;
  std::optional<std::int64_t> acked_ms, resolved_ms;
  std::string message;               // one line for people
  std::optional<double> value;       // the observed value that raised or last updated it
  std::optional<double> threshold;   // the threshold it crossed
  std::vector<std::string> members;  // partition: the failed peers
  std::string resolution;            // "cleared", "operator", "forgotten", ...
  bool operator==(const Alert&) const = default;
};

// What the daemon saw of one peer (a member of its membership view).
struct PeerObservation {
  std::string node_id;
  std::string state;  // "alive", "suspect", "dead", "left"
  std::optional<double> rtt_ms;
  std::optional<double> health;  // 0..1
};

struct Observation {
  std::int64_t now_ms = 0;  // wall clock, Unix ms
  std::vector<PeerObservation> peers;
  std::optional<double> cpu_percent, memory_percent;  // this node
};

struct AlertChange {
  enum class Kind : std::uint8_t {
    raised,
    updated,
    acked,
    resolved
  } kind;       // updated: severity rose or a
                // partition grew
  Alert alert;  // after the change
};

enum class AlertOpError : std::uint8_t { unknown_id, already_resolved };

class AlertEngine {
 public:
  static constexpr std::size_t kResolvedKept = 1000;

  explicit AlertEngine(const AlertRules& rules) : rules_(rules) {}

  // Alerts loaded from the store at start; ids continue after the highest.
  void restore(std::vector<Alert> alerts);

  // Applies every rule to `o`. Changes come back in the order they happened.
  std::vector<AlertChange> evaluate(const Observation& o);

  // By an operator. Ack of an acked alert and resolve of a resolved one
  // change nothing and succeed (no change returned).
  Result<std::optional<AlertChange>, AlertOpError> acknowledge(std::uint64_t id, std::int64_t now_ms);
  Result<std::optional<AlertChange>, AlertOpError> resolve(std::uint64_t id, std::int64_t now_ms);

  // By id, oldest first; `state` filters.
  std::vector<Alert> list(std::optional<AlertState> state = std::nullopt) const;
  const Alert* find(std::uint64_t id) const;
  // Unresolved alerts by severity (index: Severity).
  std::array<std::size_t, 4> open_by_severity() const;
  const AlertRules& rules() const { return rules_; }

 private:
  Alert* active(std::string_view kind, std::string_view subject);
  void raise_or_update(std::vector<AlertChange>& out, std::string_view kind, std::string_view subject,
                       Severity severity, std::string message, std::optional<double> value,
                       std::optional<double> threshold, std::int64_t now);
  void resolve_active(std::vector<AlertChange>& out, std::string_view kind, std::string_view subject,
                      std::string_view why, std::int64_t now);
  void close(std::vector<AlertChange>& out, Alert& a, std::string_view why, std::int64_t now);
  // A "greater is worse" rule (latency, resources) or "less is worse" (health).
  void threshold_rule(std::vector<AlertChange>& out, std::string_view kind, std::string_view subject,
                      const AlertRules::Threshold& t, bool greater, std::optional<double> value,
                      std::string_view what, std::int64_t now);
  void failures(std::vector<AlertChange>& out, const Observation& o);
  void trim_resolved();

  AlertRules rules_;
  std::map<std::uint64_t, Alert> alerts_;
  std::uint64_t next_id_ = 1;
  // Peers seen dead, and since when (wall ms): the correlation window.
  std::map<std::string, std::int64_t> failed_since_;
};

}  // namespace hyphae::daemon
