// The daemon's TOML configuration. Every error names `file:line: message`;
// the CLI prints it and exits with status 2.
#pragma once

#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include "base/endpoint.hpp"
#include "base/result.hpp"
#include "base/time.hpp"
#include "daemon/alerts.hpp"
#include "daemon/health.hpp"
#include "link/session.hpp"
#include "membership/membership.hpp"
#include "routing/types.hpp"

namespace hyphae::daemon {

// [discovery]: LAN beacons (DESIGN.md §2 discovery/).
struct DiscoverySettings {
  bool enabled = true;
  std::uint16_t port = 9999;
  Duration interval = seconds(5);
  Duration expiry = seconds(60);
};

// [store]: the history store (DESIGN.md §4).
struct StoreSettings {
  std::string url = "sqlite";  // "sqlite" (data_dir/store.db) or "sqlite:PATH"
  Duration snapshot_interval = seconds(10);
  Duration retention = seconds(std::int64_t{168} * 3600);
};

// [events]: the WebSocket event stream (GET /api/mesh/events).
struct EventsSettings {
  std::size_t queue_max = 1000;      // events one subscriber may fall behind before it is cut off
  std::size_t subscribers_max = 64;  // more are refused with 503
};

// [[babel]]: plain Babel on one interface, towards babeld/bird2 (docs/routing.md,
// "Interface mode").
struct BabelSettings {
  std::string interface;  // required; checked to exist when the daemon starts
  Duration hello_interval = seconds(4);
  std::vector<routing::Prefix> announce;  // IPv6 only, besides the mesh prefixes
  int line = 0;                           // of `interface`, for start-up errors
};

struct Config {
  std::filesystem::path identity = "node.key";  // relative paths are relative to the config file
  Endpoint listen = *Endpoint::parse("[::]:9900");
  Endpoint api = *Endpoint::parse("127.0.0.1:9901");
  std::vector<Endpoint> peers;        // static dial targets: a Noise session is kept up with each
  std::vector<Endpoint> bootstrap;    // membership seeds: joined at start
  std::optional<Endpoint> advertise;  // unset: resolve_advertise() picks one
  std::size_t target_degree = 8;
  std::filesystem::path data_dir = "state";
  std::optional<link::NetworkPsk> network_psk;
  std::string api_token;  // required when `api` is not a loopback address
  std::string log_level = "warn";
  // [routing]: Babel over the sessions (docs/routing.md)
  bool routing_enabled = true;
  Duration routing_hello = milliseconds(150);
  Duration neighbour_timeout = milliseconds(500);
  // [membership]
  bool membership_enabled = true;
  membership::MembershipConfig membership;
  // [discovery]
  DiscoverySettings discovery;
  // [store] (or store = "URL")
  StoreSettings store;
  // [alerts]
  AlertRules alerts;
  // [events]
  EventsSettings events;
  // [health]
  HealthSettings health;
  // [[babel]]
  std::vector<BabelSettings> babel;
  // Not in the file: where it came from, for messages.
  std::filesystem::path source;
};

// Parses TOML text; `source_name` is used in error messages and to resolve
// relative paths.
Result<Config, std::string> parse_config(std::string_view text, const std::filesystem::path& source_name);
Result<Config, std::string> load_config(const std::filesystem::path& file);
// The config as TOML that parse_config() accepts back, every key present
// (defaults included); paths are made absolute so the file works anywhere.
std::string to_toml(const Config& config);
bool is_loopback(const Endpoint& e);
bool is_unspecified(const Endpoint& e);

// "250ms", "1s", "2m", "168h" (a whole number and a unit).
std::optional<Duration> parse_duration(std::string_view text);

// Where other nodes reach this one: `advertise` if set; else the listen
// address if it names one IP; else (listen is 0.0.0.0 or ::) the first
// non-loopback IPv4 address in `interface_addresses`, else 127.0.0.1. The
// port is `port` (the bound mesh port) unless `advertise` names one.
Endpoint resolve_advertise(const Config& config, std::uint16_t port,
                           const std::vector<Endpoint>& interface_addresses);
// The machine's interface addresses (getifaddrs), IPv4 first in interface order.
std::vector<Endpoint> interface_addresses();

}  // namespace hyphae::daemon
