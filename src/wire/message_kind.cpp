#include "wire/message_kind.hpp"

#include <array>

namespace hyphae::wire {
namespace {

constexpr std::array kTypes{MessageType::task, MessageType::query, MessageType::response,
                            MessageType::notification, MessageType::parameter_update};
constexpr std::array kPriorities{Priority::critical, Priority::high, Priority::medium, Priority::low};

constexpr char to_lower(char c) { return (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c; }

// Names are ASCII upper case; also accept their all-lower-case spelling, but
// not mixed case, so there is one obvious spelling in each style.
bool matches(std::string_view upper, std::string_view text) {
  if (text == upper) return true;
  if (text.size() != upper.size()) return false;
  for (std::size_t i = 0; i < text.size(); ++i) {
    if (text[i] != to_lower(upper[i])) return false;
  }
  return true;
}

template <class E, std::size_t N>
std::optional<E> parse(const std::array<E, N>& all, std::string_view text) {
  for (E e : all) {
    if (matches(name(e), text)) return e;
  }
  return std::nullopt;
}

template <class E, std::size_t N>
std::optional<E> from_byte(const std::array<E, N>& all, std::uint8_t b) {
  for (E e : all) {
    if (static_cast<std::uint8_t>(e) == b) return e;
  }
  return std::nullopt;
}

}  // namespace

std::string_view name(MessageType t) {
  switch (t) {
    case MessageType::task:
      return "TASK";
    case MessageType::query:
      return "QUERY";
    case MessageType::response:
      return "RESPONSE";
    case MessageType::notification:
      return "NOTIFICATION";
    case MessageType::parameter_update:
      return "PARAMETER_UPDATE";
  }
  return "INVALID";
}

std::string_view name(Priority p) {
  switch (p) {
    case Priority::critical:
      return "CRITICAL";
    case Priority::high:
      return "HIGH";
    case Priority::medium:
      return "MEDIUM";
    case Priority::low:
      return "LOW";
  }
  return "INVALID";
}

std::optional<MessageType> parse_message_type(std::string_view text) { return parse(kTypes, text); }
std::optional<Priority> parse_priority(std::string_view text) { return parse(kPriorities, text); }
std::optional<MessageType> message_type_from_byte(std::uint8_t b) { return from_byte(kTypes, b); }
std::optional<Priority> priority_from_byte(std::uint8_t b) { return from_byte(kPriorities, b); }

}  // namespace hyphae::wire
