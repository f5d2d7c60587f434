// The daemon's TOML configuration. Every error names `file:line: message`;
// the CLI prints it and exits with status 2.
#pragma once

#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include "base/endpoint.hpp"
#include "base/result.hpp"
#include "link/session.hpp"

namespace hyphae::daemon {

struct Config {
  std::filesystem::path identity = "node.key";  // relative paths are relative to the config file
  Endpoint listen = *Endpoint::parse("[::]:9900");
  Endpoint api = *Endpoint::parse("127.0.0.1:9901");
  std::vector<Endpoint> peers;
  std::filesystem::path data_dir = "state";
  std::optional<link::NetworkPsk> network_psk;
  std::string api_token;  // required when `api` is not a loopback address
  std::string log_level = "warn";
  // Not in the file: where it came from, for messages.
  std::filesystem::path source;
};

// Parses TOML text; `source_name` is used in error messages and to resolve
// relative paths.
Result<Config, std::string> parse_config(std::string_view text, const std::filesystem::path& source_name);
Result<Config, std::string> load_config(const std::filesystem::path& file);
bool is_loopback(const Endpoint& e);

}  // namespace hyphae::daemon
