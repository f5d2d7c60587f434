// The daemon's side of messaging (issue 7): the API's send, query (wait for
// the RESPONSE), broadcast and statistics, the durable outbox, and the
// restore after a restart. Runs on the daemon's io_context.
#pragma once

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/steady_timer.hpp>
#include <cstdint>
#include <map>
#include <memory>
#include <nlohmann/json.hpp>

#include "daemon/api.hpp"
#include "daemon/inbox.hpp"
#include "daemon/message_journal.hpp"
#include "daemon/pending_reply.hpp"
#include "node/events.hpp"
#include "runtime/node_runner.hpp"

namespace hyphae::daemon {

class MessageService {
 public:
  MessageService(boost::asio::any_io_executor executor, runtime::NodeRunner& runner, MessageJournal journal,
                 const Inbox& inbox);

  // After a restart: tells the node which messages the inbox already
  // delivered, and sends the journal's pending messages again (same ids;
  // those past their deadline fail now).
  void restore();

  // POST /api/mesh/messages: {"to", "type", "priority", "payload", "ttl",
  // "reply_to", "wait", "timeout"}. 202 {"id"}; with "wait": true (a QUERY),
  // 200 {"id", "response": {...}} or 504 when no RESPONSE came in time.
  ApiResult post_message(const HttpRequest& req);
  // POST /api/mesh/broadcast: {"type", "priority", "payload"} → 202 {"id"}.
  HttpResponse post_broadcast(const HttpRequest& req);
  // The "messaging" object of GET /api/mesh/stats.
  nlohmann::json stats_json();

  // Every node event, after the inbox has taken received messages. Must not
  // call into the runner (it is inside its drain).
  void on_event(const node::NodeEvent& e);

  std::uint64_t journal_errors() const { return journal_.errors(); }

 private:
  struct Waiter {
    std::shared_ptr<PendingReply> reply;
    std::unique_ptr<boost::asio::steady_timer> timer;
    unsigned version = 11;
  };
  void answer(std::uint64_t query, HttpResponse r);

  boost::asio::any_io_executor executor_;
  runtime::NodeRunner& runner_;
  MessageJournal journal_;
  const Inbox& inbox_;
  std::map<std::uint64_t, Waiter> waiters_;  // by query id
};

}  // namespace hyphae::daemon
