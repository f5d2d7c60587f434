// The library facade over real sockets on 127.0.0.1: several MeshNodes in one
// process. Only the public header is included, so this also checks that it
// stands alone. Waits are bounded waits for an event, never sleeps standing in
// for one.
#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <deque>
#include <filesystem>
#include <functional>
#include <future>
#include <hyphae/hyphae.hpp>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

namespace hyphae {
namespace {

using namespace std::chrono_literals;
constexpr auto kWait = 10s;  // generous bound for an event on loopback (sanitizer builds are slow)

// Messages an on_message handler saw, for the test thread to wait on.
class Inbox {
 public:
  std::function<void(const Message&)> handler() {
    return [this](const Message& m) {
      std::lock_guard lock(mutex_);
      messages_.push_back(m);
      changed_.notify_all();
    };
  }
  // The first message matching `pred`, waiting up to `timeout` for it.
  std::optional<Message> wait(const std::function<bool(const Message&)>& pred,
                              std::chrono::milliseconds timeout = kWait) {
    std::unique_lock lock(mutex_);
    std::optional<Message> found;
    changed_.wait_for(lock, timeout, [&] {
      for (const auto& m : messages_) {
        if (pred(m)) {
          found = m;
          return true;
        }
      }
      return false;
    });
    return found;
  }
  std::size_t size() {
    std::lock_guard lock(mutex_);
    return messages_.size();
  }

 private:
  std::mutex mutex_;
  std::condition_variable changed_;
  std::deque<Message> messages_;
};

// Polls `condition` until it holds or `timeout` passes (for state the library
// exposes by query only, such as peers()).
bool eventually(const std::function<bool()>& condition, std::chrono::milliseconds timeout = kWait) {
  const auto until = std::chrono::steady_clock::now() + timeout;
  while (std::chrono::steady_clock::now() < until) {
    if (condition()) return true;
    std::this_thread::sleep_for(10ms);
  }
  return condition();
}

bool connected_to(const MeshNode& node, const NodeId& id) {
  for (const auto& p : node.peers())
    if (p.id == id && p.connected) return true;
  return false;
}

std::unique_ptr<MeshNode> start(MeshOptions options) {
  if (options.listen == MeshOptions{}.listen) options.listen = "127.0.0.1:0";
  auto node = MeshNode::start(std::move(options));
  if (!node) {
    ADD_FAILURE() << node.error().message;
    return nullptr;
  }
  return std::move(*node);
}

TEST(Library, SendIsDeliveredOnceAndAcknowledged) {
  Inbox inbox;
  auto a = start({.on_message = inbox.handler()});
  auto b = start({.peers = {a->listen_address()}});
  ASSERT_TRUE(a && b);
  std::promise<Delivery> delivered;
  b->on_delivery([&](const Delivery& d) { delivered.set_value(d); });

  const auto id = b->send(a->node_id(), MessageType::notification, Priority::critical, "hello mesh");
  ASSERT_TRUE(id) << id.error().message;

  const auto m = inbox.wait([&](const Message& x) { return x.id == *id; });
  ASSERT_TRUE(m);
  EXPECT_EQ(m->from, b->node_id());
  EXPECT_EQ(m->type, MessageType::notification);
  EXPECT_EQ(m->priority, Priority::critical);
  EXPECT_EQ(m->text(), "hello mesh");
  EXPECT_FALSE(m->broadcast);
  EXPECT_FALSE(m->reply_to);

  auto outcome = delivered.get_future();
  ASSERT_EQ(outcome.wait_for(kWait), std::future_status::ready);
  const Delivery d = outcome.get();
  EXPECT_EQ(d.id, *id);
  EXPECT_EQ(d.to, a->node_id());
  EXPECT_TRUE(d.delivered);

  const Stats s = b->stats();
  EXPECT_EQ(s.sent, 1u);
  EXPECT_EQ(s.delivered, 1u);
  EXPECT_EQ(s.by_priority[static_cast<std::size_t>(Priority::critical)].delivered, 1u);
  ASSERT_TRUE(s.success_rate);
  EXPECT_DOUBLE_EQ(*s.success_rate, 1.0);
  EXPECT_EQ(s.active_peers, 1u);
  EXPECT_EQ(a->stats().received, 1u);
  EXPECT_EQ(inbox.size(), 1u);  // exactly once
}

TEST(Library, UndeliverableSendIsReportedAtItsDeadline) {
  auto node = start({});
  ASSERT_TRUE(node);
  std::promise<Delivery> outcome;
  node->on_delivery([&](const Delivery& d) { outcome.set_value(d); });
  const NodeId nobody = *NodeId::parse(std::string(40, 'b'));
  const auto id =
      node->send(nobody, MessageType::task, Priority::low, "lost", SendOptions{.deadline = 200ms});
  ASSERT_TRUE(id) << id.error().message;  // queued: nobody might still appear

  auto f = outcome.get_future();
  ASSERT_EQ(f.wait_for(kWait), std::future_status::ready);
  const Delivery d = f.get();
  EXPECT_EQ(d.id, *id);
  EXPECT_EQ(d.to, nobody);
  EXPECT_FALSE(d.delivered);
  EXPECT_FALSE(d.failure.empty());
  const Stats s = node->stats();
  EXPECT_EQ(s.failed, 1u);
  EXPECT_EQ(s.by_priority[static_cast<std::size_t>(Priority::low)].failed, 1u);
  ASSERT_TRUE(s.success_rate);
  EXPECT_DOUBLE_EQ(*s.success_rate, 0.0);
  EXPECT_EQ(s.pending, 0u);
}

TEST(Library, QueryReturnsTheResponseAndHandlersCannotBlock) {
  std::promise<ErrorCode> query_in_handler;
  std::atomic<bool> once{false};
  MeshNode* server_ptr = nullptr;
  auto server = start({});
  ASSERT_TRUE(server);
  server_ptr = server.get();
  server->on_message([&](const Message& m) {
    if (m.type != MessageType::query) return;
    // query() on the node thread would wait for itself: refused, not hung.
    if (!once.exchange(true)) {
      auto r = server_ptr->query(m.from, "nested", 1s);
      query_in_handler.set_value(r ? ErrorCode::invalid_argument : r.error().code);
    }
    std::string upper(m.text());
    for (char& c : upper) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
    ASSERT_TRUE(server_ptr->reply(m, upper));
  });
  Inbox client_inbox;
  auto client = start({.peers = {server->listen_address()}, .on_message = client_inbox.handler()});
  ASSERT_TRUE(client);

  for (const std::string text : {"ping", "second question"}) {
    const auto answer = client->query(server->node_id(), text, kWait);
    ASSERT_TRUE(answer) << answer.error().message;
    EXPECT_EQ(answer->type, MessageType::response);
    EXPECT_EQ(answer->from, server->node_id());
    ASSERT_TRUE(answer->reply_to);
    EXPECT_EQ(answer->text(), text == "ping" ? "PING" : "SECOND QUESTION");
  }
  EXPECT_EQ(client_inbox.size(), 0u);  // the RESPONSEs went to query(), not on_message
  auto code = query_in_handler.get_future();
  ASSERT_EQ(code.wait_for(kWait), std::future_status::ready);
  EXPECT_EQ(code.get(), ErrorCode::would_deadlock);
}

TEST(Library, QueryWithoutAnswerTimesOut) {
  Inbox ignored;
  auto silent = start({.on_message = ignored.handler()});
  auto client = start({.peers = {silent->listen_address()}});
  ASSERT_TRUE(silent && client);
  const auto started = std::chrono::steady_clock::now();
  const auto answer = client->query(silent->node_id(), "anyone?", 300ms);
  ASSERT_FALSE(answer);
  EXPECT_EQ(answer.error().code, ErrorCode::timeout) << answer.error().message;
  EXPECT_NE(answer.error().message.find("300 ms"), std::string::npos) << answer.error().message;
  EXPECT_GE(std::chrono::steady_clock::now() - started, 300ms);  // not before its time
  // The query itself arrived; only its answer was missing.
  EXPECT_TRUE(ignored.wait([](const Message& m) { return m.type == MessageType::query; }));
}

TEST(Library, BroadcastReachesEveryNodeOverTwoHops) {
  // A strict chain a - b - c: without membership, c never learns of a and
  // cannot dial it, so c's copy must be forwarded by b.
  Inbox at_b, at_c;
  auto a = start({.membership = false});
  auto b = start({.peers = {a->listen_address()}, .membership = false, .on_message = at_b.handler()});
  ASSERT_TRUE(a && b);
  auto c = start({.peers = {b->listen_address()}, .membership = false, .on_message = at_c.handler()});
  ASSERT_TRUE(c);
  // Broadcasts are best effort over the sessions there are: wait for them.
  ASSERT_TRUE(eventually([&] { return connected_to(*a, b->node_id()) && connected_to(*c, b->node_id()); }));

  const auto id = a->broadcast(MessageType::parameter_update, "rate=5");
  ASSERT_TRUE(id) << id.error().message;
  for (Inbox* inbox : {&at_b, &at_c}) {
    const auto m = inbox->wait([&](const Message& x) { return x.broadcast && x.id == *id; });
    ASSERT_TRUE(m);
    EXPECT_EQ(m->from, a->node_id());
    EXPECT_EQ(m->type, MessageType::parameter_update);
    EXPECT_EQ(m->text(), "rate=5");
  }
  EXPECT_FALSE(connected_to(*c, a->node_id()));  // so c's copy really came through b

  const std::string too_big(2000, 'x');
  const auto r = a->broadcast(MessageType::notification, too_big);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, ErrorCode::payload_too_large);
}

TEST(Library, StopWhileBusyFailsWaitersAndLaterCalls) {
  Inbox ignored;
  auto silent = start({.on_message = ignored.handler()});
  auto busy = start({.peers = {silent->listen_address()}});
  ASSERT_TRUE(silent && busy);
  const std::vector<std::uint8_t> payload(std::size_t{64} * 1024, 7);
  for (int i = 0; i < 50; ++i)
    ASSERT_TRUE(busy->send(silent->node_id(), MessageType::task, Priority::low, payload));
  // A query nobody answers, blocked in another thread when stop() comes.
  auto waiter = std::async(std::launch::async, [&] { return busy->query(silent->node_id(), "wait", 60s); });
  ASSERT_TRUE(ignored.wait([](const Message& m) { return m.type == MessageType::query; }));

  busy->stop();
  ASSERT_EQ(waiter.wait_for(kWait), std::future_status::ready);
  const auto answer = waiter.get();
  ASSERT_FALSE(answer);
  EXPECT_EQ(answer.error().code, ErrorCode::stopped);

  const auto later = busy->send(silent->node_id(), MessageType::task, Priority::low, "late");
  ASSERT_FALSE(later);
  EXPECT_EQ(later.error().code, ErrorCode::stopped);
  EXPECT_EQ(busy->stats().sent, 0u);  // a stopped node answers with empty values
  busy->stop();                       // idempotent
  busy.reset();                       // and the destructor joins after it
}

TEST(Library, RejectsBadInputWithClearErrors) {
  auto bad = MeshNode::start({.listen = "localhost:99999"});
  ASSERT_FALSE(bad);
  EXPECT_EQ(bad.error().code, ErrorCode::invalid_argument);
  EXPECT_NE(bad.error().message.find("localhost:99999"), std::string::npos);

  auto wildcard = MeshNode::start({.listen = "0.0.0.0:0"});
  ASSERT_FALSE(wildcard);
  EXPECT_EQ(wildcard.error().code, ErrorCode::invalid_argument);

  auto node = start({});
  ASSERT_TRUE(node);
  const auto self = node->send(node->node_id(), MessageType::task, Priority::high, "me");
  ASSERT_FALSE(self);
  EXPECT_EQ(self.error().code, ErrorCode::to_self);
  const auto timeout = node->query(*NodeId::parse(std::string(40, 'a')), "x", 0ms);
  ASSERT_FALSE(timeout);
  EXPECT_EQ(timeout.error().code, ErrorCode::invalid_argument);

  EXPECT_FALSE(NodeId::parse("xyz"));
  EXPECT_EQ(NodeId::parse(node->node_id().to_string()), node->node_id());
}

TEST(Library, DataDirKeepsTheIdentity) {
  const auto dir =
      std::filesystem::temp_directory_path() /
      ("hyphae-library-test-" + std::to_string(std::chrono::steady_clock::now().time_since_epoch().count()));
  NodeId first;
  {
    auto node = start({.data_dir = dir});
    ASSERT_TRUE(node);
    first = node->node_id();
  }
  auto again = start({.data_dir = dir});
  ASSERT_TRUE(again);
  EXPECT_EQ(again->node_id(), first);
  auto other = start({});
  ASSERT_TRUE(other);
  EXPECT_NE(other->node_id(), first);  // no data_dir: a fresh identity
  std::filesystem::remove_all(dir);
}

}  // namespace
}  // namespace hyphae
