#include "daemon/config.hpp"

#include <fmt/format.h>
#include <ifaddrs.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <toml++/toml.h>

#include <charconv>
#include <cstring>
#include <fstream>
#include <set>
#include <sstream>

#include "base/hex.hpp"

namespace hyphae::daemon {
namespace {

std::string where(const std::filesystem::path& file, const toml::node& node) {
  return fmt::format("{}:{}", file.string(), node.source().begin.line);
}

Result<Endpoint, std::string> endpoint_value(const std::filesystem::path& file, const toml::node& node,
                                             std::string_view key) {
  const auto* s = node.as_string();
  if (s == nullptr) return fail(fmt::format("{}: {} must be a string \"host:port\"", where(file, node), key));
  auto e = Endpoint::parse(s->get());
  if (!e) {
    return fail(fmt::format("{}: {} = \"{}\" is not an address; use \"1.2.3.4:9900\" or \"[::1]:9900\"",
                            where(file, node), key, s->get()));
  }
  return *e;
}

Result<std::string, std::string> string_value(const std::filesystem::path& file, const toml::node& node,
                                              std::string_view key) {
  const auto* s = node.as_string();
  if (s == nullptr) return fail(fmt::format("{}: {} must be a string", where(file, node), key));
  return s->get();
}

Result<bool, std::string> bool_value(const std::filesystem::path& file, const toml::node& node,
                                     std::string_view key) {
  const auto* b = node.as_boolean();
  if (b == nullptr) return fail(fmt::format("{}: {} must be true or false", where(file, node), key));
  return b->get();
}

// An integer in [lo, hi].
Result<std::int64_t, std::string> int_value(const std::filesystem::path& file, const toml::node& node,
                                            std::string_view key, std::int64_t lo, std::int64_t hi) {
  const auto* i = node.as_integer();
  if (i == nullptr || i->get() < lo || i->get() > hi) {
    return fail(fmt::format("{}: {} must be a whole number from {} to {}", where(file, node), key, lo, hi));
  }
  return i->get();
}

// A number (integer or float) in [lo, hi].
Result<double, std::string> number_value(const std::filesystem::path& file, const toml::node& node,
                                         std::string_view key, double lo, double hi) {
  std::optional<double> v;
  if (const auto* i = node.as_integer()) v = static_cast<double>(i->get());
  if (const auto* f = node.as_floating_point()) v = f->get();
  if (!v || !(*v >= lo && *v <= hi)) {
    return fail(fmt::format("{}: {} must be a number from {} to {}", where(file, node), key, lo, hi));
  }
  return *v;
}

std::string duration_text(Duration d) {
  if (d.ns % seconds(3600).ns == 0) return fmt::format("{}h", d.ns / seconds(3600).ns);
  if (d.ns % seconds(60).ns == 0) return fmt::format("{}m", d.ns / seconds(60).ns);
  if (d.ns % seconds(1).ns == 0) return fmt::format("{}s", d.ns / seconds(1).ns);
  return fmt::format("{}ms", d.ns / milliseconds(1).ns);
}

// A duration string in [lo, hi].
Result<Duration, std::string> duration_value(const std::filesystem::path& file, const toml::node& node,
                                             std::string_view key, Duration lo, Duration hi) {
  const auto* s = node.as_string();
  auto d = s == nullptr ? std::nullopt : parse_duration(s->get());
  if (!d) {
    return fail(fmt::format("{}: {} must be a duration string such as \"500ms\", \"5s\" or \"2m\"",
                            where(file, node), key));
  }
  if (*d < lo || *d > hi) {
    return fail(fmt::format("{}: {} = \"{}\" is out of range; use {} to {}", where(file, node), key, s->get(),
                            duration_text(lo), duration_text(hi)));
  }
  return *d;
}

Result<std::vector<Endpoint>, std::string> endpoint_list(const std::filesystem::path& file,
                                                         const toml::node& node, std::string_view key) {
  const auto* arr = node.as_array();
  if (arr == nullptr) {
    return fail(fmt::format("{}: {} must be an array of \"host:port\"", where(file, node), key));
  }
  std::vector<Endpoint> out;
  for (const auto& item : *arr) {
    auto v = endpoint_value(file, item, fmt::format("{}[]", key));
    if (!v) return fail(v.error());
    out.push_back(*v);
  }
  return out;
}

const toml::table* table_value(const std::filesystem::path& file, const toml::node& node,
                               std::string_view key, std::string& error) {
  const auto* t = node.as_table();
  if (t == nullptr) error = fmt::format("{}: {} must be a table ([{}])", where(file, node), key, key);
  return t;
}

Result<void, std::string> parse_membership(const std::filesystem::path& file, const toml::table& table,
                                           Config& cfg) {
  auto& m = cfg.membership;
  for (const auto& [key, node] : table) {
    const std::string k(key.str());
    const std::string full = "membership." + k;
    if (k == "enabled") {
      auto v = bool_value(file, node, full);
      if (!v) return fail(v.error());
      cfg.membership_enabled = *v;
    } else if (k == "probe_interval") {
      auto v = duration_value(file, node, full, milliseconds(100), seconds(60));
      if (!v) return fail(v.error());
      m.probe_interval = *v;
    } else if (k == "probe_timeout") {
      auto v = duration_value(file, node, full, milliseconds(10), seconds(30));
      if (!v) return fail(v.error());
      m.probe_timeout = *v;
    } else if (k == "indirect_probes") {
      auto v = int_value(file, node, full, 0, 16);
      if (!v) return fail(v.error());
      m.indirect_probes = static_cast<std::size_t>(*v);
    } else if (k == "suspicion_mult") {
      auto v = number_value(file, node, full, 1, 100);
      if (!v) return fail(v.error());
      m.suspicion_mult = *v;
    } else if (k == "lifeguard") {
      auto v = bool_value(file, node, full);
      if (!v) return fail(v.error());
      m.lifeguard = *v;
    } else {
      return fail(fmt::format("{}: unknown key '{}'", where(file, node), full));
    }
  }
  if (m.probe_timeout >= m.probe_interval) {
    const auto* node = table.get("probe_timeout");
    if (node == nullptr) node = table.get("probe_interval");
    return fail(fmt::format("{}: membership.probe_timeout ({}) must be shorter than probe_interval ({})",
                            where(file, *node), duration_text(m.probe_timeout),
                            duration_text(m.probe_interval)));
  }
  return {};
}

Result<void, std::string> parse_routing(const std::filesystem::path& file, const toml::table& table,
                                        Config& cfg) {
  for (const auto& [key, node] : table) {
    const std::string k(key.str());
    const std::string full = "routing." + k;
    if (k == "enabled") {
      auto v = bool_value(file, node, full);
      if (!v) return fail(v.error());
      cfg.routing_enabled = *v;
    } else if (k == "hello_interval") {
      auto v = duration_value(file, node, full, milliseconds(20), seconds(60));
      if (!v) return fail(v.error());
      cfg.routing_hello = *v;
    } else if (k == "neighbour_timeout") {
      auto v = duration_value(file, node, full, milliseconds(50), seconds(600));
      if (!v) return fail(v.error());
      cfg.neighbour_timeout = *v;
    } else {
      return fail(fmt::format("{}: unknown key '{}'", where(file, node), full));
    }
  }
  if (cfg.neighbour_timeout <= cfg.routing_hello) {
    const auto* node = table.get("neighbour_timeout");
    if (node == nullptr) node = table.get("hello_interval");
    return fail(fmt::format(
        "{}: routing.neighbour_timeout ({}) must be longer than routing.hello_interval ({})",
        where(file, *node), duration_text(cfg.neighbour_timeout), duration_text(cfg.routing_hello)));
  }
  return {};
}

Result<void, std::string> parse_discovery(const std::filesystem::path& file, const toml::table& table,
                                          DiscoverySettings& d) {
  for (const auto& [key, node] : table) {
    const std::string k(key.str());
    const std::string full = "discovery." + k;
    if (k == "enabled") {
      auto v = bool_value(file, node, full);
      if (!v) return fail(v.error());
      d.enabled = *v;
    } else if (k == "port") {
      auto v = int_value(file, node, full, 1, 65535);
      if (!v) return fail(v.error());
      d.port = static_cast<std::uint16_t>(*v);
    } else if (k == "interval") {
      auto v = duration_value(file, node, full, milliseconds(100), seconds(600));
      if (!v) return fail(v.error());
      d.interval = *v;
    } else if (k == "expiry") {
      auto v = duration_value(file, node, full, seconds(1), seconds(3600));
      if (!v) return fail(v.error());
      d.expiry = *v;
    } else {
      return fail(fmt::format("{}: unknown key '{}'", where(file, node), full));
    }
  }
  if (d.expiry <= d.interval) {
    const auto* node = table.get("expiry");
    if (node == nullptr) node = table.get("interval");
    return fail(fmt::format("{}: discovery.expiry ({}) must be longer than discovery.interval ({})",
                            where(file, *node), duration_text(d.expiry), duration_text(d.interval)));
  }
  return {};
}

Result<void, std::string> parse_store(const std::filesystem::path& file, const toml::table& table,
                                      StoreSettings& st) {
  for (const auto& [key, node] : table) {
    const std::string k(key.str());
    const std::string full = "store." + k;
    if (k == "url") {
      auto v = string_value(file, node, full);
      if (!v) return fail(v.error());
      st.url = *v;
    } else if (k == "snapshot_interval") {
      auto v = duration_value(file, node, full, milliseconds(100), seconds(3600));
      if (!v) return fail(v.error());
      st.snapshot_interval = *v;
    } else if (k == "retention") {
      auto v = duration_value(file, node, full, seconds(60), seconds(24 * 3600 * 3660));
      if (!v) return fail(v.error());
      st.retention = *v;
    } else {
      return fail(fmt::format("{}: unknown key '{}'", where(file, node), full));
    }
  }
  return {};
}

// [alerts.latency], [alerts.health], [alerts.resources]: enabled, warning, critical.
Result<void, std::string> parse_threshold(const std::filesystem::path& file, const toml::node& node,
                                          const std::string& prefix, AlertRules::Threshold& t, double lo,
                                          double hi, bool greater) {
  std::string error;
  const auto* table = table_value(file, node, prefix, error);
  if (table == nullptr) return fail(error);
  for (const auto& [key, value] : *table) {
    const std::string k(key.str());
    const std::string full = prefix + "." + k;
    if (k == "enabled") {
      auto v = bool_value(file, value, full);
      if (!v) return fail(v.error());
      t.enabled = *v;
    } else if (k == "warning" || k == "critical") {
      auto v = number_value(file, value, full, lo, hi);
      if (!v) return fail(v.error());
      (k == "warning" ? t.warning : t.critical) = *v;
    } else {
      return fail(fmt::format("{}: unknown key '{}'", where(file, value), full));
    }
  }
  if (greater ? t.critical < t.warning : t.critical > t.warning) {
    return fail(fmt::format("{}: {}.critical ({}) must be {} {}.warning ({})", where(file, node), prefix,
                            t.critical, greater ? "at least" : "at most", prefix, t.warning));
  }
  return {};
}

Result<void, std::string> parse_alerts(const std::filesystem::path& file, const toml::table& table,
                                       AlertRules& a) {
  for (const auto& [key, node] : table) {
    const std::string k(key.str());
    const std::string full = "alerts." + k;
    if (k == "enabled") {
      auto v = bool_value(file, node, full);
      if (!v) return fail(v.error());
      a.enabled = *v;
    } else if (k == "interval") {
      auto v = duration_value(file, node, full, milliseconds(100), seconds(600));
      if (!v) return fail(v.error());
      a.interval_ms = v->ns / milliseconds(1).ns;
    } else if (k == "hysteresis") {
      auto v = number_value(file, node, full, 0, 0.9);
      if (!v) return fail(v.error());
      a.hysteresis = *v;
    } else if (k == "latency") {
      if (auto r = parse_threshold(file, node, full, a.latency, 0, 600'000, true); !r) return r;
    } else if (k == "health") {
      if (auto r = parse_threshold(file, node, full, a.health, 0, 1, false); !r) return r;
    } else if (k == "resources") {
      if (auto r = parse_threshold(file, node, full, a.resources, 0, 100, true); !r) return r;
    } else if (k == "node_failed") {
      std::string error;
      const auto* t = table_value(file, node, full, error);
      if (t == nullptr) return fail(error);
      for (const auto& [key2, value] : *t) {
        if (key2.str() != "enabled") {
          return fail(fmt::format("{}: unknown key '{}.{}'", where(file, value), full, key2.str()));
        }
        auto v = bool_value(file, value, full + ".enabled");
        if (!v) return fail(v.error());
        a.node_failed = *v;
      }
    } else if (k == "partition") {
      std::string error;
      const auto* t = table_value(file, node, full, error);
      if (t == nullptr) return fail(error);
      for (const auto& [key2, value] : *t) {
        const std::string k2(key2.str());
        const std::string full2 = full + "." + k2;
        if (k2 == "enabled") {
          auto v = bool_value(file, value, full2);
          if (!v) return fail(v.error());
          a.partition.enabled = *v;
        } else if (k2 == "window") {
          auto v = duration_value(file, value, full2, seconds(0), seconds(600));
          if (!v) return fail(v.error());
          a.partition.window_ms = v->ns / milliseconds(1).ns;
        } else if (k2 == "min_peers") {
          auto v = int_value(file, value, full2, 2, 100'000);
          if (!v) return fail(v.error());
          a.partition.min_peers = static_cast<std::size_t>(*v);
        } else if (k2 == "min_share") {
          auto v = number_value(file, value, full2, 0, 1);
          if (!v) return fail(v.error());
          a.partition.min_share = *v;
        } else {
          return fail(fmt::format("{}: unknown key '{}'", where(file, value), full2));
        }
      }
    } else {
      return fail(fmt::format("{}: unknown key '{}'", where(file, node), full));
    }
  }
  return {};
}

Result<void, std::string> parse_events(const std::filesystem::path& file, const toml::table& table,
                                       EventsSettings& e) {
  for (const auto& [key, node] : table) {
    const std::string k(key.str());
    const std::string full = "events." + k;
    if (k == "queue_max") {
      auto v = int_value(file, node, full, 1, 1'000'000);
      if (!v) return fail(v.error());
      e.queue_max = static_cast<std::size_t>(*v);
    } else if (k == "subscribers_max") {
      auto v = int_value(file, node, full, 1, 10'000);
      if (!v) return fail(v.error());
      e.subscribers_max = static_cast<std::size_t>(*v);
    } else {
      return fail(fmt::format("{}: unknown key '{}'", where(file, node), full));
    }
  }
  return {};
}

Result<void, std::string> parse_health(const std::filesystem::path& file, const toml::table& table,
                                       HealthSettings& h) {
  for (const auto& [key, node] : table) {
    const std::string k(key.str());
    const std::string full = "health." + k;
    if (k == "join_grace") {
      auto v = duration_value(file, node, full, seconds(1), seconds(24 * 3600));
      if (!v) return fail(v.error());
      h.join_grace = *v;
    } else if (k == "loop_lag_max") {
      auto v = duration_value(file, node, full, milliseconds(10), seconds(600));
      if (!v) return fail(v.error());
      h.loop_lag_max = *v;
    } else if (k == "window") {
      auto v = duration_value(file, node, full, seconds(1), seconds(24 * 3600));
      if (!v) return fail(v.error());
      h.window = *v;
    } else {
      return fail(fmt::format("{}: unknown key '{}'", where(file, node), full));
    }
  }
  return {};
}

Result<void, std::string> parse_babel(const std::filesystem::path& file, const toml::node& node,
                                      std::vector<BabelSettings>& out) {
  const auto* array = node.as_array();
  if (array == nullptr || !array->is_array_of_tables()) {
    return fail(fmt::format("{}: babel must be an array of tables: [[babel]] interface = \"eth0\"",
                            where(file, node)));
  }
  for (const auto& element : *array) {
    const auto& table = *element.as_table();
    BabelSettings b;
    b.line = static_cast<int>(element.source().begin.line);
    for (const auto& [key, value] : table) {
      const std::string k(key.str());
      const std::string full = "babel." + k;
      if (k == "interface") {
        auto v = string_value(file, value, full);
        if (!v) return fail(v.error());
        if (v->empty() || v->size() >= 16) {
          return fail(fmt::format("{}: {} must name a network interface (1 to 15 characters)",
                                  where(file, value), full));
        }
        b.interface = *v;
        b.line = static_cast<int>(value.source().begin.line);  // start-up errors point at the name
      } else if (k == "hello_interval") {
        auto v = duration_value(file, value, full, milliseconds(100), seconds(600));
        if (!v) return fail(v.error());
        b.hello_interval = *v;
      } else if (k == "announce") {
        const auto* list = value.as_array();
        if (list == nullptr) {
          return fail(fmt::format("{}: {} must be an array of IPv6 prefixes such as \"fd42::/64\"",
                                  where(file, value), full));
        }
        for (const auto& item : *list) {
          const auto* text = item.as_string();
          auto p = text != nullptr ? routing::Prefix::parse(text->get()) : std::nullopt;
          if (!p || p->is_v4()) {
            return fail(
                fmt::format("{}: {} entries must be IPv6 prefixes such as \"fd42::/64\" (IPv4 needs "
                            "an IPv4 next hop, which interface mode does not send)",
                            where(file, item), full));
          }
          b.announce.push_back(*p);
        }
      } else {
        return fail(fmt::format("{}: unknown key '{}'", where(file, value), full));
      }
    }
    if (b.interface.empty()) {
      return fail(fmt::format("{}:{}: [[babel]] needs interface = \"NAME\"", file.string(), b.line));
    }
    for (const auto& other : out) {
      if (other.interface == b.interface) {
        return fail(fmt::format("{}:{}: interface \"{}\" is already in another [[babel]] table",
                                file.string(), b.line, b.interface));
      }
    }
    out.push_back(std::move(b));
  }
  return {};
}

std::filesystem::path relative_to(const std::filesystem::path& file, const std::string& p) {
  std::filesystem::path path(p);
  if (path.is_absolute() || !file.has_parent_path()) return path;
  return file.parent_path() / path;
}

// A TOML basic string.
std::string toml_string(std::string_view s) {
  std::string out = "\"";
  for (const char c : s) {
    if (c == '"' || c == '\\') {
      out += '\\';
      out += c;
    } else if (static_cast<unsigned char>(c) < 0x20 || c == 0x7f) {
      out += fmt::format("\\u{:04x}", static_cast<unsigned char>(c));
    } else {
      out += c;
    }
  }
  return out + "\"";
}

std::string endpoints(const std::vector<Endpoint>& list) {
  std::string out = "[";
  for (const auto& e : list) out += (out.size() > 1 ? ", " : "") + toml_string(e.to_string());
  return out + "]";
}

std::string boolean(bool b) { return b ? "true" : "false"; }

// A number TOML reads back as the same double.
std::string number(double v) { return fmt::format("{}", v); }

std::string threshold(std::string_view name, const AlertRules::Threshold& t) {
  return fmt::format("\n[alerts.{}]\nenabled = {}\nwarning = {}\ncritical = {}\n", name, boolean(t.enabled),
                     number(t.warning), number(t.critical));
}

}  // namespace

std::string to_toml(const Config& c) {
  const auto abs = [](const std::filesystem::path& p) {
    return toml_string(std::filesystem::absolute(p).string());
  };
  std::string out = "# The effective configuration, defaults included (hyphae config --output).\n";
  out += fmt::format("identity = {}\ndata_dir = {}\n", abs(c.identity), abs(c.data_dir));
  out += fmt::format("listen = {}\napi = {}\n", toml_string(c.listen.to_string()),
                     toml_string(c.api.to_string()));
  if (c.advertise) out += fmt::format("advertise = {}\n", toml_string(c.advertise->to_string()));
  out += fmt::format("peers = {}\nbootstrap = {}\n", endpoints(c.peers), endpoints(c.bootstrap));
  out += fmt::format("target_degree = {}\n", c.target_degree);
  out += fmt::format("network_psk = {}\n", toml_string(c.network_psk ? to_hex(*c.network_psk) : ""));
  out += fmt::format("api_token = {}\nlog_level = {}\n", toml_string(c.api_token), toml_string(c.log_level));
  const auto& m = c.membership;
  out += fmt::format(
      "\n[membership]\nenabled = {}\nprobe_interval = {}\nprobe_timeout = {}\nindirect_probes = {}\n"
      "suspicion_mult = {}\nlifeguard = {}\n",
      boolean(c.membership_enabled), toml_string(duration_text(m.probe_interval)),
      toml_string(duration_text(m.probe_timeout)), m.indirect_probes, number(m.suspicion_mult),
      boolean(m.lifeguard));
  out += fmt::format("\n[routing]\nenabled = {}\nhello_interval = {}\nneighbour_timeout = {}\n",
                     boolean(c.routing_enabled), toml_string(duration_text(c.routing_hello)),
                     toml_string(duration_text(c.neighbour_timeout)));
  const auto& d = c.discovery;
  out +=
      fmt::format("\n[discovery]\nenabled = {}\nport = {}\ninterval = {}\nexpiry = {}\n", boolean(d.enabled),
                  d.port, toml_string(duration_text(d.interval)), toml_string(duration_text(d.expiry)));
  out += fmt::format("\n[store]\nurl = {}\nsnapshot_interval = {}\nretention = {}\n",
                     toml_string(c.store.url), toml_string(duration_text(c.store.snapshot_interval)),
                     toml_string(duration_text(c.store.retention)));
  const auto& a = c.alerts;
  out += fmt::format("\n[alerts]\nenabled = {}\ninterval = {}\nhysteresis = {}\n", boolean(a.enabled),
                     toml_string(duration_text(milliseconds(a.interval_ms))), number(a.hysteresis));
  out +=
      threshold("latency", a.latency) + threshold("health", a.health) + threshold("resources", a.resources);
  out += fmt::format("\n[alerts.node_failed]\nenabled = {}\n", boolean(a.node_failed));
  out += fmt::format("\n[alerts.partition]\nenabled = {}\nwindow = {}\nmin_peers = {}\nmin_share = {}\n",
                     boolean(a.partition.enabled),
                     toml_string(duration_text(milliseconds(a.partition.window_ms))), a.partition.min_peers,
                     number(a.partition.min_share));
  out += fmt::format("\n[events]\nqueue_max = {}\nsubscribers_max = {}\n", c.events.queue_max,
                     c.events.subscribers_max);
  out += fmt::format("\n[health]\njoin_grace = {}\nloop_lag_max = {}\nwindow = {}\n",
                     toml_string(duration_text(c.health.join_grace)),
                     toml_string(duration_text(c.health.loop_lag_max)),
                     toml_string(duration_text(c.health.window)));
  for (const auto& b : c.babel) {
    std::string prefixes;
    for (const auto& p : b.announce) prefixes += (prefixes.empty() ? "" : ", ") + toml_string(p.to_string());
    out += fmt::format("\n[[babel]]\ninterface = {}\nhello_interval = {}\nannounce = [{}]\n",
                       toml_string(b.interface), toml_string(duration_text(b.hello_interval)), prefixes);
  }
  return out;
}

bool is_loopback(const Endpoint& e) {
  if (e.is_v4()) return e.ip[12] == 127;
  static constexpr std::array<std::uint8_t, 16> kV6Loopback{0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1};
  return e.ip == kV6Loopback;
}

bool is_unspecified(const Endpoint& e) {
  if (e.is_v4()) return e.ip[12] == 0 && e.ip[13] == 0 && e.ip[14] == 0 && e.ip[15] == 0;
  return e.ip == std::array<std::uint8_t, 16>{};
}

std::optional<Duration> parse_duration(std::string_view text) {
  std::int64_t n = 0;
  const char* end = text.data() + text.size();
  auto [p, ec] = std::from_chars(text.data(), end, n);
  if (ec != std::errc{} || p == text.data() || n < 0) return std::nullopt;
  const std::string_view unit(p, static_cast<std::size_t>(end - p));
  constexpr std::int64_t kMax = std::int64_t{1} << 40;  // no overflow below; far beyond any valid range
  if (n > kMax) return std::nullopt;
  if (unit == "ms") return milliseconds(n);
  if (unit == "s") return seconds(n);
  if (unit == "m") return seconds(n * 60);
  if (unit == "h") return seconds(n * 3600);
  return std::nullopt;
}

Endpoint resolve_advertise(const Config& config, std::uint16_t port,
                           const std::vector<Endpoint>& interface_addresses) {
  if (config.advertise) return *config.advertise;
  Endpoint e = config.listen;
  e.port = port;
  if (!is_unspecified(e)) return e;
  for (const auto& a : interface_addresses) {
    if (a.is_v4() && !is_loopback(a) && !is_unspecified(a)) return Endpoint{.ip = a.ip, .port = port};
  }
  return Endpoint::v4(0x7f000001, port);
}

std::vector<Endpoint> interface_addresses() {
  std::vector<Endpoint> v4, v6;
  ifaddrs* list = nullptr;
  if (::getifaddrs(&list) != 0) return {};
  for (const ifaddrs* i = list; i != nullptr; i = i->ifa_next) {
    if (i->ifa_addr == nullptr) continue;
    if (i->ifa_addr->sa_family == AF_INET) {
      sockaddr_in sin{};
      std::memcpy(&sin, i->ifa_addr, sizeof sin);
      v4.push_back(Endpoint::v4(ntohl(sin.sin_addr.s_addr), 0));
    } else if (i->ifa_addr->sa_family == AF_INET6) {
      sockaddr_in6 sin6{};
      std::memcpy(&sin6, i->ifa_addr, sizeof sin6);
      Endpoint e;
      std::memcpy(e.ip.data(), sin6.sin6_addr.s6_addr, 16);
      v6.push_back(e);
    }
  }
  ::freeifaddrs(list);
  v4.insert(v4.end(), v6.begin(), v6.end());
  return v4;
}

Result<Config, std::string> parse_config(std::string_view text, const std::filesystem::path& file) {
  toml::table table;
  try {
    table = toml::parse(text, file.string());
  } catch (const toml::parse_error& e) {
    return fail(fmt::format("{}:{}: {}", file.string(), e.source().begin.line, e.description()));
  }
  Config cfg;
  cfg.source = file;
  cfg.identity = relative_to(file, cfg.identity.string());
  cfg.data_dir = relative_to(file, cfg.data_dir.string());
  for (const auto& [key, node] : table) {
    const std::string k(key.str());
    if (k == "identity") {
      auto v = string_value(file, node, k);
      if (!v) return fail(v.error());
      cfg.identity = relative_to(file, *v);
    } else if (k == "data_dir") {
      auto v = string_value(file, node, k);
      if (!v) return fail(v.error());
      cfg.data_dir = relative_to(file, *v);
    } else if (k == "listen" || k == "api") {
      auto v = endpoint_value(file, node, k);
      if (!v) return fail(v.error());
      (k == "listen" ? cfg.listen : cfg.api) = *v;
    } else if (k == "peers" || k == "bootstrap") {
      auto v = endpoint_list(file, node, k);
      if (!v) return fail(v.error());
      (k == "peers" ? cfg.peers : cfg.bootstrap) = *v;
    } else if (k == "advertise") {
      auto v = endpoint_value(file, node, k);
      if (!v) return fail(v.error());
      if (is_unspecified(*v) || v->port == 0) {
        return fail(fmt::format("{}: advertise = \"{}\" must name one address and port others can reach",
                                where(file, node), v->to_string()));
      }
      cfg.advertise = *v;
    } else if (k == "target_degree") {
      auto v = int_value(file, node, k, 0, 1024);
      if (!v) return fail(v.error());
      cfg.target_degree = static_cast<std::size_t>(*v);
    } else if (k == "membership" || k == "discovery" || k == "routing") {
      std::string error;
      const auto* t = table_value(file, node, k, error);
      if (t == nullptr) return fail(error);
      auto r = k == "membership" ? parse_membership(file, *t, cfg)
               : k == "routing"  ? parse_routing(file, *t, cfg)
                                 : parse_discovery(file, *t, cfg.discovery);
      if (!r) return fail(r.error());
    } else if (k == "store") {
      // store = "URL" is short for [store] url = "URL".
      if (const auto* url = node.as_string()) {
        cfg.store.url = url->get();
        continue;
      }
      std::string error;
      const auto* t = table_value(file, node, k, error);
      if (t == nullptr)
        return fail(
            fmt::format("{}: store must be a string (\"sqlite\") or a table ([store])", where(file, node)));
      if (auto r = parse_store(file, *t, cfg.store); !r) return fail(r.error());
    } else if (k == "alerts") {
      std::string error;
      const auto* t = table_value(file, node, k, error);
      if (t == nullptr) return fail(error);
      if (auto r = parse_alerts(file, *t, cfg.alerts); !r) return fail(r.error());
    } else if (k == "events") {
      std::string error;
      const auto* t = table_value(file, node, k, error);
      if (t == nullptr) return fail(error);
      if (auto r = parse_events(file, *t, cfg.events); !r) return fail(r.error());
    } else if (k == "health") {
      std::string error;
      const auto* t = table_value(file, node, k, error);
      if (t == nullptr) return fail(error);
      if (auto r = parse_health(file, *t, cfg.health); !r) return fail(r.error());
    } else if (k == "babel") {
      if (auto r = parse_babel(file, node, cfg.babel); !r) return fail(r.error());
    } else if (k == "network_psk") {
      auto v = string_value(file, node, k);
      if (!v) return fail(v.error());
      if (v->empty()) continue;
      auto bytes = from_hex(*v);
      if (!bytes || bytes->size() != 32) {
        return fail(
            fmt::format("{}: network_psk must be 64 hex characters (32 bytes); "
                        "generate one with: head -c32 /dev/urandom | xxd -p -c64",
                        where(file, node)));
      }
      link::NetworkPsk psk{};
      std::memcpy(psk.data(), bytes->data(), 32);
      cfg.network_psk = psk;
    } else if (k == "api_token") {
      auto v = string_value(file, node, k);
      if (!v) return fail(v.error());
      cfg.api_token = *v;
    } else if (k == "log_level") {
      auto v = string_value(file, node, k);
      if (!v) return fail(v.error());
      static const std::set<std::string> kLevels{"trace", "debug", "info", "warn", "error", "off"};
      if (!kLevels.contains(*v)) {
        return fail(fmt::format("{}: log_level must be one of trace, debug, info, warn, error, off",
                                where(file, node)));
      }
      cfg.log_level = *v;
    } else {
      return fail(fmt::format("{}: unknown key '{}'", where(file, node), k));
    }
  }
  if (const auto* node = table.get("store")) {
    const std::string& url = cfg.store.url;
    // Whether a PostgreSQL server answers is checked at start-up
    // (open_store), not here: `config --output` must work without it.
    const bool pg = url.starts_with("postgresql://") || url.starts_with("postgres://");
    if (url != "sqlite" && !(url.starts_with("sqlite:") && url.size() > 7) && !pg) {
      return fail(
          fmt::format("{}: store = \"{}\": use \"sqlite\" (data_dir/store.db), \"sqlite:PATH\" or "
                      "\"postgresql://USER@HOST/DB\"",
                      where(file, *node), url));
    }
  }
  if (!is_loopback(cfg.api) && cfg.api_token.empty()) {
    return fail(fmt::format("{}: api = \"{}\" is not loopback; set api_token to require a bearer token",
                            where(file, *table.get("api")), cfg.api.to_string()));
  }
  return cfg;
}

Result<Config, std::string> load_config(const std::filesystem::path& file) {
  std::ifstream in(file);
  if (!in) return fail(fmt::format("{}: cannot open: {}", file.string(), std::strerror(errno)));
  std::stringstream buffer;
  buffer << in.rdbuf();
  return parse_config(buffer.str(), file);
}

}  // namespace hyphae::daemon
