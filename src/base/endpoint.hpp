// A UDP address as a plain value, so cores and the simulator can name peers
// without Asio. IPv4 addresses are stored v4-mapped (::ffff:a.b.c.d).
#pragma once

#include <array>
#include <compare>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>

namespace hyphae {

struct Endpoint {
  std::array<std::uint8_t, 16> ip{};
  std::uint16_t port = 0;

  auto operator<=>(const Endpoint&) const = default;

  bool is_v4() const;
  static Endpoint v4(std::uint32_t host_order_ip, std::uint16_t port);
  // "1.2.3.4:5", "[::1]:5"; IP literals only (no name resolution in cores).
  static std::optional<Endpoint> parse(std::string_view text);
  std::string to_string() const;
};

}  // namespace hyphae

template <>
struct std::hash<hyphae::Endpoint> {
  std::size_t operator()(const hyphae::Endpoint& e) const noexcept {
    std::uint64_t h = 1469598103934665603ULL;  // FNV-1a: deterministic across runs
    for (auto b : e.ip) h = (h ^ b) * 1099511628211ULL;
    h = (h ^ e.port) * 1099511628211ULL;
    return static_cast<std::size_t>(h);
  }
};
