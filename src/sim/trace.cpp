#include "sim/trace.hpp"

#include <fmt/format.h>

#include <algorithm>

namespace hyphae::sim {

std::string_view name(TraceKind k) {
  switch (k) {
    case TraceKind::deliver:
      return "deliver";
    case TraceKind::drop:
      return "drop";
    case TraceKind::peer_connected:
      return "peer_connected";
    case TraceKind::peer_lost:
      return "peer_lost";
    case TraceKind::msg_received:
      return "msg_received";
    case TraceKind::msg_acked:
      return "msg_acked";
    case TraceKind::msg_failed:
      return "msg_failed";
    case TraceKind::fault:
      return "fault";
    case TraceKind::violation:
      return "violation";
  }
  return "?";
}

namespace {
std::string node_name(NodeIndex n) { return n == kNoNode ? std::string("-") : fmt::format("n{}", n); }
}  // namespace

std::string format(const TraceRecord& r) {
  const std::string t = fmt::format("{}.{:06}s", r.at.ns / 1'000'000'000, (r.at.ns % 1'000'000'000) / 1000);
  switch (r.kind) {
    case TraceKind::deliver:
      return fmt::format("{} deliver {} <- {} {}B", t, node_name(r.node), node_name(r.other), r.value);
    case TraceKind::drop:
      return fmt::format("{} drop {} -> {} {}B ({})", t, node_name(r.other), node_name(r.node), r.value,
                         r.detail);
    case TraceKind::msg_received:
    case TraceKind::msg_acked:
      return fmt::format("{} {} {} peer {} id {}", t, name(r.kind), node_name(r.node), node_name(r.other),
                         r.value);
    default:
      return fmt::format("{} {} {} {}{}{}", t, name(r.kind), node_name(r.node), node_name(r.other),
                         r.detail.empty() ? "" : " ", r.detail);
  }
}

void Trace::record(const TraceRecord& r, ByteView bytes) {
  hash_.add(static_cast<std::uint64_t>(r.at.ns));
  hash_.add(static_cast<std::uint64_t>(r.kind));
  hash_.add((std::uint64_t{r.node} << 32) | r.other);
  hash_.add(r.value);
  hash_.add(r.detail);
  hash_.add(bytes);
  ++records_;
  recent_.push_back(r);
  if (recent_.size() > keep_) recent_.pop_front();
}

std::string Trace::hash_hex() const { return fmt::format("{:016x}", hash_.value()); }

std::vector<TraceRecord> Trace::last(std::size_t n, NodeIndex node) const {
  std::vector<TraceRecord> out;
  for (auto it = recent_.rbegin(); it != recent_.rend() && out.size() < n; ++it) {
    if (node == kNoNode || it->node == node || it->other == node) out.push_back(*it);
  }
  std::reverse(out.begin(), out.end());
  return out;
}

}  // namespace hyphae::sim
