// Message types and priorities as carried in a Message TLV, with their
// upper-case names as the API, config and CLI spell them.
#pragma once

#include <cstdint>
#include <optional>
#include <string_view>

namespace hyphae::wire {

enum class MessageType : std::uint8_t {
  task = 1,
  query = 2,
  response = 3,
  notification = 4,
  parameter_update = 5,
};

// Lower value = more urgent: schedulers may compare the underlying bytes.
enum class Priority : std::uint8_t {
  critical = 0,
  high = 1,
  medium = 2,
  low = 3,
};

std::string_view name(MessageType t);  // "TASK", ..., "PARAMETER_UPDATE"
std::string_view name(Priority p);     // "CRITICAL", "HIGH", "MEDIUM", "LOW"

// Exact upper-case names, or the same names in lower case ("task").
std::optional<MessageType> parse_message_type(std::string_view text);
std::optional<Priority> parse_priority(std::string_view text);

// The wire byte, validated: nullopt for a value v1 does not define.
std::optional<MessageType> message_type_from_byte(std::uint8_t b);
std::optional<Priority> priority_from_byte(std::uint8_t b);

}  // namespace hyphae::wire
