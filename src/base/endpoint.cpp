#include "base/endpoint.hpp"

#include <arpa/inet.h>

#include <charconv>
#include <cstring>

namespace hyphae {
namespace {
constexpr std::array<std::uint8_t, 12> kV4MappedPrefix{0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};

std::optional<std::uint16_t> parse_port(std::string_view s) {
  unsigned value = 0;
  auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), value);
  if (ec != std::errc{} || end != s.data() + s.size() || s.empty() || value > 65535) return std::nullopt;
  return static_cast<std::uint16_t>(value);
}
}  // namespace

bool Endpoint::is_v4() const { return std::memcmp(ip.data(), kV4MappedPrefix.data(), 12) == 0; }

Endpoint Endpoint::v4(std::uint32_t host_order_ip, std::uint16_t p) {
  Endpoint e;
  std::memcpy(e.ip.data(), kV4MappedPrefix.data(), 12);
  e.ip[12] = static_cast<std::uint8_t>(host_order_ip >> 24);
  e.ip[13] = static_cast<std::uint8_t>(host_order_ip >> 16);
  e.ip[14] = static_cast<std::uint8_t>(host_order_ip >> 8);
  e.ip[15] = static_cast<std::uint8_t>(host_order_ip);
  e.port = p;
  return e;
}

std::optional<Endpoint> Endpoint::parse(std::string_view text) {
  std::string host;
  std::string_view port;
  if (!text.empty() && text.front() == '[') {
    auto close = text.find(']');
    if (close == std::string_view::npos || close + 1 >= text.size() || text[close + 1] != ':')
      return std::nullopt;
    host = std::string(text.substr(1, close - 1));
    port = text.substr(close + 2);
  } else {
    auto colon = text.rfind(':');
    if (colon == std::string_view::npos) return std::nullopt;
    host = std::string(text.substr(0, colon));
    port = text.substr(colon + 1);
  }
  auto p = parse_port(port);
  if (!p) return std::nullopt;
  Endpoint e;
  e.port = *p;
  in_addr v4{};
  if (inet_pton(AF_INET, host.c_str(), &v4) == 1) {
    std::memcpy(e.ip.data(), kV4MappedPrefix.data(), 12);
    std::memcpy(e.ip.data() + 12, &v4, 4);
    return e;
  }
  if (inet_pton(AF_INET6, host.c_str(), e.ip.data()) == 1) return e;
  return std::nullopt;
}

std::string Endpoint::to_string() const {
  char buf[INET6_ADDRSTRLEN] = {};
  std::string out;
  if (is_v4()) {
    inet_ntop(AF_INET, ip.data() + 12, buf, sizeof buf);
    out.append(buf);
  } else {
    inet_ntop(AF_INET6, ip.data(), buf, sizeof buf);
    out.append("[").append(buf).append("]");
  }
  out.append(":").append(std::to_string(port));
  return out;
}

}  // namespace hyphae
