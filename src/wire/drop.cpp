#include "wire/drop.hpp"

namespace hyphae::wire {

std::string_view name(Drop d) {
  // No default: -Wswitch flags a new reason that has no label yet.
  switch (d) {
    case Drop::truncated:
      return "truncated";
    case Drop::trailing_bytes:
      return "trailing_bytes";
    case Drop::bad_version:
      return "bad_version";
    case Drop::bad_type:
      return "bad_type";
    case Drop::bad_flags:
      return "bad_flags";
    case Drop::oversized:
      return "oversized";
    case Drop::bad_varint:
      return "bad_varint";
    case Drop::unknown_critical_tlv:
      return "unknown_critical_tlv";
    case Drop::too_many_tlvs:
      return "too_many_tlvs";
    case Drop::bad_value:
      return "bad_value";
    case Drop::unknown_session:
      return "unknown_session";
    case Drop::bad_auth:
      return "bad_auth";
    case Drop::replayed:
      return "replayed";
    case Drop::handshake_failed:
      return "handshake_failed";
    case Drop::rate_limited:
      return "rate_limited";
    case Drop::no_route:
      return "no_route";
    case Drop::hop_limit:
      return "hop_limit";
    case Drop::bad_seal:
      return "bad_seal";
    case Drop::bad_envelope:
      return "bad_envelope";
    case Drop::count_:
      break;
  }
  return "invalid";
}

}  // namespace hyphae::wire
