// The run's trace: every delivered and dropped datagram and every core event,
// folded into one incremental hash (FNV-1a 64) as it happens, with the last
// few hundred records kept for the failure report. Two runs with equal hashes
// saw the same bytes arrive at the same nodes at the same virtual instants.
#pragma once

#include <cstdint>
#include <deque>
#include <string>
#include <string_view>
#include <vector>

#include "base/bytes.hpp"
#include "base/time.hpp"
#include "sim/network.hpp"

namespace hyphae::sim {

enum class TraceKind : std::uint8_t {
  deliver,         // node <- other, size bytes
  drop,            // other -> node lost; detail = DropReason name
  peer_connected,  // node sees other connected
  peer_lost,       // node lost other; detail = reason
  msg_received,    // node received message `value` from other
  msg_acked,       // node's message `value` to other acknowledged
  msg_failed,      // node's message `value` to other failed; detail = reason
  fault,           // a scenario fault; detail = what
  violation,       // an invariant failed
};
std::string_view name(TraceKind k);

inline constexpr NodeIndex kNoNode = 0xffffffff;

struct TraceRecord {
  Instant at;
  TraceKind kind = TraceKind::deliver;
  NodeIndex node = kNoNode;
  NodeIndex other = kNoNode;
  std::uint64_t value = 0;  // size in bytes, or message id
  std::string_view detail;  // static text only (reason names)
};

// "12.345678s deliver n3 <- n7 148B"
std::string format(const TraceRecord& r);

class Fnv1a64 {
 public:
  void add(std::uint64_t v) {
    for (int i = 0; i < 8; ++i) add_byte(static_cast<std::uint8_t>(v >> (8 * i)));
  }
  void add(ByteView bytes) {
    for (auto b : bytes) add_byte(b);
  }
  void add(std::string_view s) { add(as_bytes(s)); }
  std::uint64_t value() const { return h_; }

 private:
  void add_byte(std::uint8_t b) { h_ = (h_ ^ b) * 1099511628211ULL; }
  std::uint64_t h_ = 1469598103934665603ULL;
};

class Trace {
 public:
  explicit Trace(std::size_t keep = 4096) : keep_(keep) {}

  // Folds the record (and the datagram bytes, if any) into the hash.
  void record(const TraceRecord& r, ByteView bytes = {});

  std::uint64_t hash() const { return hash_.value(); }
  std::string hash_hex() const;
  std::uint64_t records() const { return records_; }
  // Most recent last; at most `n`; only those naming `node` unless kNoNode.
  std::vector<TraceRecord> last(std::size_t n, NodeIndex node = kNoNode) const;

 private:
  std::size_t keep_;
  Fnv1a64 hash_;
  std::uint64_t records_ = 0;
  std::deque<TraceRecord> recent_;
};

}  // namespace hyphae::sim
