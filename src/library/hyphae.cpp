// The library facade (include/hyphae/hyphae.hpp): one node::Node driven by a
// runtime::NodeRunner on an io_context of its own, on a thread of its own.
//
// Threading: the node, the runner and everything in Impl below the "node
// thread only" line are touched on the node thread alone. Other threads reach
// them by posting a task and waiting for its future (Impl::run). Callbacks run
// from a posted dispatch, never inside the runner's drain: the runner forbids
// calling back into the node from its event handler, and a user's on_message
// wants to call send() (which drains the node again).
#include "hyphae/hyphae.hpp"

#include <sodium.h>

#include <atomic>
#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/system/system_error.hpp>
#include <cstdio>
#include <deque>
#include <future>
#include <map>
#include <mutex>
#include <thread>
#include <type_traits>
#include <variant>

#include "base/endpoint.hpp"
#include "crypto/identity.hpp"
#include "crypto/key_source.hpp"
#include "messaging/envelope.hpp"
#include "node/node.hpp"
#include "runtime/asio_endpoint.hpp"
#include "runtime/clock.hpp"
#include "runtime/key_file.hpp"
#include "runtime/node_runner.hpp"
#include "wire/message_kind.hpp"
#include "wire/tlv.hpp"

namespace hyphae {
namespace asio = boost::asio;

// The public enums mirror the wire's byte for byte, so converting is a cast.
static_assert(static_cast<int>(MessageType::task) == static_cast<int>(wire::MessageType::task));
static_assert(static_cast<int>(MessageType::parameter_update) ==
              static_cast<int>(wire::MessageType::parameter_update));
static_assert(static_cast<int>(Priority::critical) == static_cast<int>(wire::Priority::critical));
static_assert(static_cast<int>(Priority::low) == static_cast<int>(wire::Priority::low));
static_assert(sizeof(NodeId{}.bytes) == crypto::NodeId::kLen);

namespace {

wire::MessageType to_wire(MessageType t) { return static_cast<wire::MessageType>(t); }
wire::Priority to_wire(Priority p) { return static_cast<wire::Priority>(p); }
crypto::NodeId to_crypto(const NodeId& id) { return crypto::NodeId{.bytes = id.bytes}; }
NodeId from_crypto(const crypto::NodeId& id) { return NodeId{.bytes = id.bytes}; }

std::chrono::microseconds to_micros(Duration d) { return std::chrono::microseconds(d.ns / 1000); }

ByteView bytes_of(std::string_view text) {
  return {reinterpret_cast<const std::uint8_t*>(text.data()), text.size()};
}

Error error(ErrorCode code, std::string message) {
  return Error{.code = code, .message = std::move(message)};
}

Error stopped_error() { return error(ErrorCode::stopped, "the node is stopped"); }

Error send_error(node::SendError e, std::size_t size, std::size_t limit) {
  switch (e) {
    case node::SendError::payload_too_large:
      return error(ErrorCode::payload_too_large, "payload of " + std::to_string(size) +
                                                     " bytes is over the limit of " + std::to_string(limit));
    case node::SendError::queue_full:
      return error(ErrorCode::queue_full, "the send queue of this priority is full; retry later");
    case node::SendError::to_self:
      return error(ErrorCode::to_self, "a message cannot be addressed to this node itself");
  }
  return error(ErrorCode::invalid_argument, "unknown send error");
}

std::optional<Endpoint> parse_endpoint(std::string_view text) { return Endpoint::parse(text); }

bool is_unspecified(const Endpoint& e) {
  static const Endpoint any4 = *Endpoint::parse("0.0.0.0:0");
  static const Endpoint any6 = *Endpoint::parse("[::]:0");
  return e.ip == any4.ip || e.ip == any6.ip;
}

std::uint64_t seed_from_os() {
  std::uint64_t seed = 0;
  randombytes_buf(&seed, sizeof seed);
  return seed;
}

}  // namespace

std::string_view to_string(MessageType t) { return wire::name(to_wire(t)); }
std::string_view to_string(Priority p) { return wire::name(to_wire(p)); }

std::string_view to_string(ErrorCode c) {
  switch (c) {
    case ErrorCode::invalid_argument:
      return "invalid_argument";
    case ErrorCode::payload_too_large:
      return "payload_too_large";
    case ErrorCode::queue_full:
      return "queue_full";
    case ErrorCode::to_self:
      return "to_self";
    case ErrorCode::timeout:
      return "timeout";
    case ErrorCode::undeliverable:
      return "undeliverable";
    case ErrorCode::stopped:
      return "stopped";
    case ErrorCode::would_deadlock:
      return "would_deadlock";
    case ErrorCode::io:
      return "io";
  }
  return "unknown";
}

std::string NodeId::to_string() const { return to_crypto(*this).to_string(); }

std::optional<NodeId> NodeId::parse(std::string_view text) {
  const auto id = crypto::NodeId::parse(text);
  if (!id) return std::nullopt;
  return from_crypto(*id);
}

struct MeshNode::Impl {
  struct PendingQuery {
    crypto::NodeId to;
    std::promise<std::expected<Message, Error>> answer;
    std::unique_ptr<asio::steady_timer> timer;
  };

  Impl() : work(asio::make_work_guard(io)) {}

  bool on_node_thread() const { return std::this_thread::get_id() == node_thread.load(); }

  // Runs `f` on the node thread and returns its result; `if_stopped` once the
  // node is stopping. On the node thread itself (from a callback) it runs `f`
  // at once: posting and waiting there would wait for ourselves.
  template <class R, class F>
  R run(F f, R if_stopped) {
    if (on_node_thread()) {
      if (closed) return if_stopped;
      return f();
    }
    auto task = std::make_shared<std::packaged_task<R()>>(std::move(f));
    auto result = task->get_future();
    {
      // Under the lock: the stop task is posted under it too, after which
      // nothing more is posted, so every task posted here runs before it
      // (one thread runs the io_context, in posting order).
      std::lock_guard lock(post_mutex);
      if (!accepting) return if_stopped;
      asio::post(io, [task] { (*task)(); });
    }
    return result.get();
  }

  std::expected<MessageId, Error> send(const NodeId& to, MessageType type, Priority priority,
                                       ByteView payload, const SendOptions& options) {
    return run(
        [&]() -> std::expected<MessageId, Error> {
          node::SendOptions o;
          if (options.deadline) o.deadline = milliseconds(options.deadline->count());
          o.reply_to = options.reply_to;
          auto r = runner->with_node([&](node::Node& n, Instant now) {
            return n.send(now, to_crypto(to), to_wire(type), to_wire(priority), payload, o);
          });
          if (!r) return std::unexpected(send_error(r.error(), payload.size(), messaging::kMaxMessageSize));
          return *r;
        },
        std::expected<MessageId, Error>(std::unexpected(stopped_error())));
  }

  std::expected<MessageId, Error> broadcast(MessageType type, Priority priority, ByteView payload) {
    return run(
        [&]() -> std::expected<MessageId, Error> {
          auto r = runner->with_node([&](node::Node& n, Instant now) {
            return n.broadcast(now, to_wire(type), to_wire(priority), payload);
          });
          if (!r) return std::unexpected(send_error(r.error(), payload.size(), wire::kMaxFloodPayload));
          return *r;
        },
        std::expected<MessageId, Error>(std::unexpected(stopped_error())));
  }

  std::expected<Message, Error> query(const NodeId& to, ByteView payload, std::chrono::milliseconds timeout,
                                      Priority priority) {
    if (on_node_thread()) {
      return std::unexpected(
          error(ErrorCode::would_deadlock,
                "query() blocks until the answer, which the node thread delivers: call it "
                "from another thread, not from a callback (use send() and on_message there)"));
    }
    if (timeout.count() <= 0)
      return std::unexpected(error(ErrorCode::invalid_argument, "query timeout must be > 0"));
    using Answer = std::future<std::expected<Message, Error>>;
    // The node thread keeps the promise and always fulfils it: with the
    // RESPONSE, at the timeout, when the mesh gives up, or at stop.
    auto answer = run(
        [&]() -> std::optional<Answer> {
          PendingQuery q{.to = to_crypto(to), .answer = {}, .timer = nullptr};
          Answer future = q.answer.get_future();
          node::SendOptions o;
          o.deadline = milliseconds(timeout.count());
          auto r = runner->with_node([&](node::Node& n, Instant now) {
            return n.send(now, q.to, wire::MessageType::query, to_wire(priority), payload, o);
          });
          if (!r) {
            q.answer.set_value(
                std::unexpected(send_error(r.error(), payload.size(), messaging::kMaxMessageSize)));
            return future;
          }
          const std::uint64_t id = *r;
          q.timer = std::make_unique<asio::steady_timer>(io, timeout);
          q.timer->async_wait([this, id, timeout](const boost::system::error_code& ec) {
            if (ec) return;  // cancelled: answered, failed or stopped first
            finish_query(
                id, std::unexpected(error(ErrorCode::timeout,
                                          "no RESPONSE within " + std::to_string(timeout.count()) + " ms")));
          });
          queries.emplace(id, std::move(q));
          return future;
        },
        std::optional<Answer>());
    if (!answer) return std::unexpected(stopped_error());
    return answer->get();
  }

  // Node thread only.
  void finish_query(std::uint64_t id, std::expected<Message, Error> result) {
    auto it = queries.find(id);
    if (it == queries.end()) return;
    it->second.answer.set_value(std::move(result));
    if (it->second.timer) it->second.timer->cancel();
    queries.erase(it);
  }

  // The runner's event handler: inside its drain, so only queue the event.
  void on_event(const node::NodeEvent& e) {
    const bool wanted = std::holds_alternative<node::MessageReceived>(e) ||
                        std::holds_alternative<node::MessageAcked>(e) ||
                        std::holds_alternative<node::MessageFailed>(e);
    if (!wanted) return;
    events.push_back(e);
    if (dispatch_posted) return;
    dispatch_posted = true;
    asio::post(io, [this] { dispatch(); });
  }

  template <class F, class... A>
  void call_handler(const F& slot, const A&... args) {
    // A copy: a handler may replace itself (on_message from on_message),
    // which must not destroy the function while it runs.
    const F f = slot;
    if (!f) return;
    try {
      f(args...);
    } catch (const std::exception& ex) {
      handler_errors += 1;
      (void)std::fprintf(stderr, "hyphae: a message handler threw: %s\n", ex.what());
    } catch (...) {
      handler_errors += 1;
      (void)std::fprintf(stderr, "hyphae: a message handler threw\n");
    }
  }

  void dispatch() {
    dispatch_posted = false;
    // A handler may send, which drains and queues more events: take a batch.
    std::deque<node::NodeEvent> batch;
    batch.swap(events);
    for (auto& e : batch) {
      if (closed) return;
      if (auto* m = std::get_if<node::MessageReceived>(&e)) {
        received += 1;
        Message msg{.from = from_crypto(m->from),
                    .id = m->id,
                    .type = static_cast<MessageType>(m->type),
                    .priority = static_cast<Priority>(m->priority),
                    .payload = std::move(m->payload),
                    .reply_to = m->reply_to,
                    .broadcast = m->broadcast};
        if (m->reply_to && m->type == wire::MessageType::response) {
          auto it = queries.find(*m->reply_to);
          if (it != queries.end() && it->second.to == m->from) {
            finish_query(*m->reply_to, std::move(msg));
            continue;
          }
        }
        call_handler(message_handler, msg);
      } else if (const auto* a = std::get_if<node::MessageAcked>(&e)) {
        call_handler(delivery_handler, Delivery{.id = a->id,
                                                .to = from_crypto(a->to),
                                                .delivered = true,
                                                .latency = to_micros(a->latency),
                                                .failure = {}});
      } else if (const auto* f = std::get_if<node::MessageFailed>(&e)) {
        // A QUERY the mesh gave up on fails its caller now, not at the timeout.
        finish_query(f->id,
                     std::unexpected(error(ErrorCode::undeliverable,
                                           "the QUERY could not be delivered: " + std::string(f->reason))));
        call_handler(delivery_handler, Delivery{.id = f->id,
                                                .to = from_crypto(f->to),
                                                .delivered = false,
                                                .latency = {},
                                                .failure = std::string(f->reason)});
      }
    }
  }

  Stats stats() {
    return run(
        [&] {
          return runner->with_node([&](node::Node& n, Instant now) {
            Stats s;
            const auto& st = n.messaging_stats();
            for (std::size_t i = 0; i < s.by_priority.size(); ++i) {
              const auto& in = st.by_priority[i];
              auto& out = s.by_priority[i];
              out = PriorityStats{.sent = in.sent,
                                  .delivered = in.delivered,
                                  .failed = in.failed,
                                  .rejected = in.rejected,
                                  .p50 = to_micros(in.latency.quantile(0.5)),
                                  .p90 = to_micros(in.latency.quantile(0.9)),
                                  .p99 = to_micros(in.latency.quantile(0.99))};
              s.sent += in.sent;
              s.delivered += in.delivered;
              s.failed += in.failed;
              s.rejected += in.rejected;
            }
            if (s.delivered + s.failed > 0)
              s.success_rate = static_cast<double>(s.delivered) / static_cast<double>(s.delivered + s.failed);
            s.pending = n.outbox_size();
            s.received = received;
            s.handler_errors = handler_errors;
            const auto peers = n.peers();
            for (const auto& p : peers) s.active_peers += p.state == "connected" ? 1 : 0;
            // The same rule as the daemon's stats (message_service.cpp).
            if (const auto* m = n.membership()) {
              for (const auto& v : m->members(now))
                if (v.state == membership::State::alive && v.health.total >= 0.5) ++s.healthy_peers;
            } else {
              s.healthy_peers = s.active_peers;
            }
            return s;
          });
        },
        Stats{});
  }

  std::vector<Peer> peers() {
    return run(
        [&] {
          std::vector<Peer> out;
          runner->with_node([&](node::Node& n, Instant) {
            for (const auto& p : n.peers()) {
              Peer peer{.id = from_crypto(p.id),
                        .address = p.address.to_string(),
                        .connected = p.state == "connected",
                        .rtt = std::nullopt};
              if (p.srtt) peer.rtt = to_micros(*p.srtt);
              out.push_back(std::move(peer));
            }
          });
          return out;
        },
        std::vector<Peer>{});
  }

  std::vector<Route> routes() {
    return run(
        [&] {
          std::vector<Route> out;
          runner->with_node([&](node::Node& n, Instant) {
            for (const auto& r : n.routes()) {
              out.push_back(Route{.destination = r.destination.to_string(),
                                  .next_hop = from_crypto(routing::node_id_of(r.next_hop)),
                                  .metric = r.metric,
                                  .selected = r.selected});
            }
          });
          return out;
        },
        std::vector<Route>{});
  }

  template <class H>
  void set_handler(H& slot, H handler) {
    // Replaced on the node thread, which is the only one reading it.
    run(
        [&] {
          slot = std::move(handler);
          return true;
        },
        false);
  }

  void begin_stop() {
    std::lock_guard lock(post_mutex);
    if (!accepting) return;
    accepting = false;
    asio::post(io, [this] { shutdown(); });
  }

  // Node thread only: the last task the io_context runs for us.
  void shutdown() {
    // Drains: the Closes and the membership leave go out before the socket closes.
    runner->with_node([](node::Node& n, Instant now) { n.close_all(now); });
    closed = true;
    runner->stop();
    while (!queries.empty()) finish_query(queries.begin()->first, std::unexpected(stopped_error()));
    events.clear();
    work.reset();  // run() returns once the cancelled waits have completed
  }

  void join() {
    std::lock_guard lock(join_mutex);
    if (thread.joinable()) thread.join();
  }

  // Declared first: destroyed last, after everything holding its executor.
  asio::io_context io;
  asio::executor_work_guard<asio::io_context::executor_type> work;
  crypto::SodiumKeySource keys;
  crypto::Identity identity;  // the node keeps a reference to it
  std::unique_ptr<node::Node> node;
  std::unique_ptr<runtime::NodeRunner> runner;
  std::string listen;
  std::thread thread;
  std::atomic<std::thread::id> node_thread;
  std::mutex join_mutex;

  std::mutex post_mutex;
  bool accepting = true;  // guarded by post_mutex

  // ---- node thread only ----
  bool closed = false;
  std::map<std::uint64_t, PendingQuery> queries;
  std::deque<node::NodeEvent> events;
  bool dispatch_posted = false;
  std::function<void(const Message&)> message_handler;
  std::function<void(const Delivery&)> delivery_handler;
  std::uint64_t received = 0;
  std::uint64_t handler_errors = 0;
};

std::expected<std::unique_ptr<MeshNode>, Error> MeshNode::start(MeshOptions options) {
  const auto listen = parse_endpoint(options.listen);
  if (!listen)
    return std::unexpected(error(ErrorCode::invalid_argument, "listen address '" + options.listen +
                                                                  "' is not ip:port (e.g. 127.0.0.1:0)"));
  std::vector<Endpoint> peers, bootstrap;
  for (const auto& [list, out] :
       {std::pair{&options.peers, &peers}, std::pair{&options.bootstrap, &bootstrap}}) {
    for (const auto& text : *list) {
      const auto e = parse_endpoint(text);
      if (!e || e->port == 0)
        return std::unexpected(
            error(ErrorCode::invalid_argument, "peer address '" + text + "' is not ip:port"));
      out->push_back(*e);
    }
  }
  std::optional<Endpoint> advertise;
  if (!options.advertise.empty()) {
    advertise = parse_endpoint(options.advertise);
    if (!advertise)
      return std::unexpected(
          error(ErrorCode::invalid_argument, "advertise address '" + options.advertise + "' is not ip:port"));
  } else if (options.membership && is_unspecified(*listen)) {
    return std::unexpected(
        error(ErrorCode::invalid_argument,
              "listening on " + options.listen +
                  " with membership on needs an advertise address other members can reach"));
  }
  if (options.message_deadline.count() <= 0)
    return std::unexpected(error(ErrorCode::invalid_argument, "message_deadline must be > 0"));

  auto impl = std::make_unique<Impl>();
  if (options.data_dir) {
    std::error_code ec;
    std::filesystem::create_directories(*options.data_dir, ec);
    if (ec)
      return std::unexpected(
          error(ErrorCode::io, "cannot create data_dir " + options.data_dir->string() + ": " + ec.message()));
    auto id = runtime::load_or_create_identity(*options.data_dir / "node.key", impl->keys);
    if (!id) return std::unexpected(error(ErrorCode::io, id.error()));
    impl->identity = *id;
  } else {
    impl->identity = crypto::Identity::generate(impl->keys);
  }

  asio::ip::udp::socket socket(impl->io);
  try {
    socket = runtime::open_udp_socket(impl->io, runtime::to_asio(*listen, !listen->is_v4()));
  } catch (const boost::system::system_error& e) {
    return std::unexpected(
        error(ErrorCode::io, "cannot listen on " + options.listen + ": " + e.code().message()));
  }
  const Endpoint bound = runtime::from_asio(socket.local_endpoint());
  impl->listen = bound.to_string();

  node::NodeConfig config;
  config.mesh_port = bound.port;
  config.advertise = advertise.value_or(bound);
  config.message_deadline = milliseconds(options.message_deadline.count());
  if (options.routing) config.routing = routing::RouterConfig{};
  if (options.membership) {
    config.membership = membership::MembershipConfig{};
    // Must exceed any earlier run's; the daemon persists it, a library node
    // takes the wall clock's seconds, which only a node that refuted more
    // than once a second for its whole previous life could have overtaken.
    config.incarnation = static_cast<std::uint64_t>(
        std::chrono::duration_cast<std::chrono::seconds>(std::chrono::system_clock::now().time_since_epoch())
            .count());
  }
  const Instant now = runtime::monotonic_now();
  impl->node = std::make_unique<node::Node>(config, impl->identity, impl->keys, Rng{seed_from_os()}, now);
  Impl* self = impl.get();
  impl->runner = std::make_unique<runtime::NodeRunner>(
      impl->io, *impl->node, std::move(socket), [self](const node::NodeEvent& e) { self->on_event(e); });
  impl->message_handler = std::move(options.on_message);

  // Still on the caller's thread: the node thread has not started yet.
  impl->runner->start();
  impl->runner->with_node([&](node::Node& n, Instant t) {
    for (const auto& p : peers) n.dial(t, p);
    if (!bootstrap.empty()) n.join(t, bootstrap);
  });
  impl->thread = std::thread([self] {
    self->node_thread.store(std::this_thread::get_id());
    self->io.run();
  });
  return std::unique_ptr<MeshNode>(new MeshNode(std::move(impl)));
}

MeshNode::MeshNode(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}

MeshNode::~MeshNode() {
  impl_->begin_stop();
  impl_->join();
}

NodeId MeshNode::node_id() const { return from_crypto(impl_->identity.id); }
std::string MeshNode::listen_address() const { return impl_->listen; }

std::expected<MessageId, Error> MeshNode::send(const NodeId& to, MessageType type, Priority priority,
                                               std::span<const std::uint8_t> payload,
                                               const SendOptions& options) {
  return impl_->send(to, type, priority, payload, options);
}

std::expected<MessageId, Error> MeshNode::send(const NodeId& to, MessageType type, Priority priority,
                                               std::string_view payload, const SendOptions& options) {
  return impl_->send(to, type, priority, bytes_of(payload), options);
}

std::expected<Message, Error> MeshNode::query(const NodeId& to, std::span<const std::uint8_t> payload,
                                              std::chrono::milliseconds timeout, Priority priority) {
  return impl_->query(to, payload, timeout, priority);
}

std::expected<Message, Error> MeshNode::query(const NodeId& to, std::string_view payload,
                                              std::chrono::milliseconds timeout, Priority priority) {
  return impl_->query(to, bytes_of(payload), timeout, priority);
}

std::expected<MessageId, Error> MeshNode::reply(const Message& request, std::span<const std::uint8_t> payload,
                                                Priority priority) {
  if (request.broadcast)
    return std::unexpected(error(ErrorCode::invalid_argument, "a broadcast cannot be replied to by id"));
  return impl_->send(request.from, MessageType::response, priority, payload,
                     SendOptions{.reply_to = request.id});
}

std::expected<MessageId, Error> MeshNode::reply(const Message& request, std::string_view payload,
                                                Priority priority) {
  return reply(request, bytes_of(payload), priority);
}

std::expected<MessageId, Error> MeshNode::broadcast(MessageType type, std::span<const std::uint8_t> payload,
                                                    Priority priority) {
  return impl_->broadcast(type, priority, payload);
}

std::expected<MessageId, Error> MeshNode::broadcast(MessageType type, std::string_view payload,
                                                    Priority priority) {
  return impl_->broadcast(type, priority, bytes_of(payload));
}

void MeshNode::on_message(std::function<void(const Message&)> handler) {
  impl_->set_handler(impl_->message_handler, std::move(handler));
}

void MeshNode::on_delivery(std::function<void(const Delivery&)> handler) {
  impl_->set_handler(impl_->delivery_handler, std::move(handler));
}

Stats MeshNode::stats() const { return impl_->stats(); }
std::vector<Peer> MeshNode::peers() const { return impl_->peers(); }
std::vector<Route> MeshNode::routes() const { return impl_->routes(); }

void MeshNode::stop() {
  impl_->begin_stop();
  if (!impl_->on_node_thread()) impl_->join();
}

}  // namespace hyphae
