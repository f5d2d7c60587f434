#include "daemon/config.hpp"

#include <fmt/format.h>
#include <toml++/toml.h>

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

std::filesystem::path relative_to(const std::filesystem::path& file, const std::string& p) {
  std::filesystem::path path(p);
  if (path.is_absolute() || !file.has_parent_path()) return path;
  return file.parent_path() / path;
}

}  // namespace

bool is_loopback(const Endpoint& e) {
  if (e.is_v4()) return e.ip[12] == 127;
  static constexpr std::array<std::uint8_t, 16> kV6Loopback{0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1};
  return e.ip == kV6Loopback;
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
    } else if (k == "peers") {
      const auto* arr = node.as_array();
      if (arr == nullptr)
        return fail(fmt::format("{}: peers must be an array of \"host:port\"", where(file, node)));
      for (const auto& item : *arr) {
        auto v = endpoint_value(file, item, "peers[]");
        if (!v) return fail(v.error());
        cfg.peers.push_back(*v);
      }
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
