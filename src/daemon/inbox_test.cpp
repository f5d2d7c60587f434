#include "daemon/inbox.hpp"

#include <gtest/gtest.h>

#include <fstream>

namespace hyphae::daemon {
namespace {

TEST(Inbox, PersistsAcrossReopenAndSkipsATornLastLine) {
  char tmpl[] = "/tmp/hyphae-inbox-XXXXXX";
  const std::filesystem::path dir = mkdtemp(tmpl);
  const auto file = dir / "inbox.jsonl";
  {
    auto inbox = Inbox::open(file);
    ASSERT_TRUE(inbox) << inbox.error();
    ASSERT_TRUE(inbox->append(InboxEntry{
        .id = "01", .from = "a", .type = "TASK", .priority = "LOW", .payload = "one", .received_at = "t"}));
    ASSERT_TRUE(inbox->append(InboxEntry{
        .id = "02", .from = "a", .type = "TASK", .priority = "LOW", .payload = "two", .received_at = "t"}));
  }
  {
    std::ofstream(file, std::ios::app) << "{\"seq\": 3, \"payl";
  }  // a crash mid-write
  auto inbox = Inbox::open(file);
  ASSERT_TRUE(inbox);
  ASSERT_EQ(inbox->size(), 2u);
  auto all = inbox->after(0, 10);
  EXPECT_EQ(all[0].payload, "one");
  EXPECT_EQ(all[1].seq, 2u);
  auto page = inbox->after(1, 10);
  ASSERT_EQ(page.size(), 1u);
  EXPECT_EQ(page[0].payload, "two");
  std::filesystem::remove_all(dir);
}

}  // namespace
}  // namespace hyphae::daemon
