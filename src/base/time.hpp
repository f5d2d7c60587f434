// Time as plain values. Protocol cores never read a clock: every input carries
// `now` (an Instant), and the runtime or the simulator decides what it is.
#pragma once

#include <compare>
#include <cstdint>

namespace hyphae {

struct Duration {
  std::int64_t ns = 0;

  auto operator<=>(const Duration&) const = default;
  constexpr Duration operator+(Duration o) const { return {ns + o.ns}; }
  constexpr Duration operator-(Duration o) const { return {ns - o.ns}; }
  constexpr Duration operator*(std::int64_t k) const { return {ns * k}; }
  constexpr Duration operator/(std::int64_t k) const { return {ns / k}; }
  constexpr Duration& operator+=(Duration o) {
    ns += o.ns;
    return *this;
  }
  constexpr double ms() const { return static_cast<double>(ns) / 1e6; }
  constexpr double seconds() const { return static_cast<double>(ns) / 1e9; }
};

constexpr Duration nanoseconds(std::int64_t n) { return {n}; }
constexpr Duration microseconds(std::int64_t n) { return {n * 1'000}; }
constexpr Duration milliseconds(std::int64_t n) { return {n * 1'000'000}; }
constexpr Duration seconds(std::int64_t n) { return {n * 1'000'000'000}; }

// A point on a monotonic timeline. Only differences are meaningful; the origin
// is wherever the driver (runtime or simulator) put it.
struct Instant {
  std::int64_t ns = 0;

  auto operator<=>(const Instant&) const = default;
  constexpr Instant operator+(Duration d) const { return {ns + d.ns}; }
  constexpr Instant operator-(Duration d) const { return {ns - d.ns}; }
  constexpr Duration operator-(Instant o) const { return {ns - o.ns}; }
  constexpr Instant& operator+=(Duration d) {
    ns += d.ns;
    return *this;
  }
};

}  // namespace hyphae
