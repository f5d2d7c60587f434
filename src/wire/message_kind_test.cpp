#include "wire/message_kind.hpp"

#include <gtest/gtest.h>

namespace hyphae::wire {
namespace {

TEST(MessageKind, TypeNamesRoundTrip) {
  const std::pair<MessageType, std::string_view> all[] = {
      {MessageType::task, "TASK"},
      {MessageType::query, "QUERY"},
      {MessageType::response, "RESPONSE"},
      {MessageType::notification, "NOTIFICATION"},
      {MessageType::parameter_update, "PARAMETER_UPDATE"},
  };
  for (auto [t, n] : all) {
    EXPECT_EQ(name(t), n);
    EXPECT_EQ(parse_message_type(n), t);
    std::string lower(n);
    for (char& c : lower) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    EXPECT_EQ(parse_message_type(lower), t) << lower;
    EXPECT_EQ(message_type_from_byte(static_cast<std::uint8_t>(t)), t);
  }
  for (const char* bad : {"", "Task", "TASKS", "parameter-update", "PARAMETER UPDATE", "tAsK"}) {
    EXPECT_FALSE(parse_message_type(bad)) << bad;
  }
  EXPECT_FALSE(message_type_from_byte(0));
  EXPECT_FALSE(message_type_from_byte(6));
  EXPECT_FALSE(message_type_from_byte(255));
}

TEST(MessageKind, PriorityNamesRoundTrip) {
  const std::pair<Priority, std::string_view> all[] = {{Priority::critical, "CRITICAL"},
                                                       {Priority::high, "HIGH"},
                                                       {Priority::medium, "MEDIUM"},
                                                       {Priority::low, "LOW"}};
  for (auto [p, n] : all) {
    EXPECT_EQ(name(p), n);
    EXPECT_EQ(parse_priority(n), p);
    std::string lower(n);
    for (char& c : lower) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    EXPECT_EQ(parse_priority(lower), p);
    EXPECT_EQ(priority_from_byte(static_cast<std::uint8_t>(p)), p);
  }
  EXPECT_FALSE(parse_priority("High"));
  EXPECT_FALSE(parse_priority("URGENT"));
  EXPECT_FALSE(priority_from_byte(4));
  // Urgency order is the byte order: schedulers rely on it.
  EXPECT_LT(static_cast<int>(Priority::critical), static_cast<int>(Priority::high));
  EXPECT_LT(static_cast<int>(Priority::medium), static_cast<int>(Priority::low));
}

}  // namespace
}  // namespace hyphae::wire
