#include "daemon/daemon.hpp"

#include <fmt/chrono.h>
#include <sodium.h>
#include <spdlog/spdlog.h>

#include <boost/asio/io_context.hpp>
#include <boost/asio/signal_set.hpp>
#include <boost/asio/steady_timer.hpp>
#include <chrono>
#include <cmath>
#include <functional>
#include <map>
#include <nlohmann/json.hpp>
#include <optional>

#include "base/rng.hpp"
#include "daemon/alerts_service.hpp"
#include "daemon/api.hpp"
#include "daemon/babel_runner.hpp"
#include "daemon/event_hub.hpp"
#include "daemon/event_log.hpp"
#include "daemon/health.hpp"
#include "daemon/http_server.hpp"
#include "daemon/inbox.hpp"
#include "daemon/lan_discovery_runner.hpp"
#include "daemon/membership_store.hpp"
#include "daemon/message_journal.hpp"
#include "daemon/message_service.hpp"
#include "daemon/pid_file.hpp"
#include "daemon/process_stats.hpp"
#include "daemon/store.hpp"
#include "runtime/asio_endpoint.hpp"
#include "runtime/clock.hpp"
#include "runtime/key_file.hpp"
#include "runtime/node_runner.hpp"

namespace hyphae::daemon {
namespace asio = boost::asio;
using nlohmann::json;

namespace {

std::string utc_now_rfc3339() {
  const auto now = std::chrono::system_clock::now();
  const auto ms =
      std::chrono::duration_cast<std::chrono::milliseconds>(now.time_since_epoch()).count() % 1000;
  return fmt::format("{:%Y-%m-%dT%H:%M:%S}.{:03}Z", fmt::gmtime(std::chrono::system_clock::to_time_t(now)),
                     ms);
}

std::int64_t unix_ms_now() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

std::uint64_t seed_from_os() {
  std::uint64_t seed = 0;
  randombytes_buf(&seed, sizeof seed);
  return seed;
}

using Emit = std::function<void(LoggedEvent)>;

// What the daemon does with each node event: received messages go to the
// inbox journal (fsync'd before the runner sends their acks) and to the
// event stream; membership events go to the event log, the store and the
// event stream; the rest is logged.
void handle_event(Inbox& inbox, const Emit& emit, EventHub& hub, const node::NodeEvent& event) {
  std::visit(
      [&](const auto& e) {
        using E = std::decay_t<decltype(e)>;
        if constexpr (std::is_same_v<E, node::PeerConnected>) {
          spdlog::info("peer connected node_id={} address={}", e.id.to_string(), e.address.to_string());
        } else if constexpr (std::is_same_v<E, node::PeerLost>) {
          spdlog::info("peer lost node_id={} reason={}", e.id.to_string(), e.reason);
        } else if constexpr (std::is_same_v<E, node::MessageReceived>) {
          InboxEntry entry{.id = fmt::format("{:016x}", e.id),
                           .from = e.from.to_string(),
                           .type = std::string(wire::name(e.type)),
                           .priority = std::string(wire::name(e.priority)),
                           .payload = std::string(as_chars(e.payload)),
                           .received_at = utc_now_rfc3339(),
                           .reply_to = e.reply_to ? fmt::format("{:016x}", *e.reply_to) : std::string(),
                           .broadcast = e.broadcast};
          auto r = inbox.append(entry);
          if (!r) spdlog::error("inbox write failed: {}", r.error());
          // Streamed, not logged: the inbox is the record (GET messages?after=inbox_seq).
          hub.publish(stream_event("message.received", entry.received_at, entry.from,
                                   {{"id", entry.id},
                                    {"inbox_seq", r ? inbox.last_seq() : 0},
                                    {"type", entry.type},
                                    {"priority", entry.priority},
                                    {"payload", entry.payload},
                                    {"reply_to", entry.reply_to.empty() ? json() : json(entry.reply_to)},
                                    {"broadcast", entry.broadcast}},
                                   0));
          spdlog::debug("message received id={:016x} from={}", e.id, e.from.to_string());
        } else if constexpr (std::is_same_v<E, node::MessageAcked>) {
          spdlog::debug("message acked id={:016x} latency_ms={:.3f}", e.id, e.latency.ms());
        } else if constexpr (std::is_same_v<E, node::MessageFailed>) {
          spdlog::warn("message failed id={:016x} to={} reason={}", e.id, e.to.to_string(), e.reason);
        } else if constexpr (std::is_same_v<E, membership::MemberEvent>) {
          const std::string_view type = membership::name(e.kind);
          spdlog::info("{} node_id={} address={} incarnation={}", type, e.id.to_string(),
                       e.address.to_string(), e.incarnation);
          emit(LoggedEvent{.time = utc_now_rfc3339(),
                           .type = std::string(type),
                           .node_id = e.id.to_string(),
                           .address = e.address.to_string(),
                           .incarnation = e.incarnation});
        } else if constexpr (std::is_same_v<E, routing::RouteEvent>) {
          spdlog::info("route.changed destination={} kind={} metric={}", e.destination.to_string(),
                       routing::name(e.kind), e.metric);
          emit(LoggedEvent{
              .time = utc_now_rfc3339(),
              .type = "route.changed",
              .data = {{"destination", e.destination.to_string()},
                       {"kind", routing::name(e.kind)},
                       {"next_hop", e.next_hop ? json(routing::node_id_of(*e.next_hop).to_string()) : json()},
                       {"metric", e.metric},
                       {"seqno", e.seqno},
                       {"router_id", e.router_id.to_string()}}});
        }
      },
      event);
}

// Calls `f` every `period` on the io_context until stop().
class Periodic {
 public:
  Periodic(asio::io_context& io, Duration period, std::function<void()> f)
      : timer_(io), period_(period), f_(std::move(f)) {}
  void start() { arm(); }
  void stop() {
    stopped_ = true;
    timer_.cancel();
  }

 private:
  void arm() {
    timer_.expires_after(std::chrono::nanoseconds(period_.ns));
    timer_.async_wait([this](const boost::system::error_code& ec) {
      if (ec || stopped_) return;
      f_();
      arm();
    });
  }
  asio::steady_timer timer_;
  Duration period_;
  std::function<void()> f_;
  bool stopped_ = false;
};

// What a store snapshot records: the members this node knows, its sessions,
// load samples (this node's, and its neighbours' as membership reports them)
// and the routing table.
class Snapshotter {
 public:
  Snapshotter(std::string self, Instant now) : self_(std::move(self)) {
    (void)sampler_.sample(now);  // the first interval's CPU starts now
  }

  Snapshot take(node::Node& n, Instant now, std::int64_t wall) {
    Snapshot s{.ts = wall};
    const ProcessSample p = sampler_.sample(now);
    const node::Counters& c = n.counters();
    const std::uint64_t messages = c.messages_sent + c.messages_received;
    std::optional<double> rate;
    if (last_wall_ && wall > *last_wall_) {
      rate =
          static_cast<double>(messages - last_messages_) * 1000.0 / static_cast<double>(wall - *last_wall_);
    }
    last_wall_ = wall;
    last_messages_ = messages;

    std::map<std::string, membership::MemberView> views;
    if (const membership::Membership* m = n.membership()) {
      for (const auto& v : m->members(now)) {
        std::optional<std::int64_t> last_seen;
        if (v.last_ack) last_seen = wall - static_cast<std::int64_t>((now - *v.last_ack).ms());
        const std::string id = v.id.to_string();
        s.nodes.push_back(NodeRow{.node_id = id,
                                  .addresses = nlohmann::json::array({v.address.to_string()}).dump(),
                                  .first_seen = wall,
                                  .last_seen = last_seen,
                                  .health = v.health.total});
        views.emplace(id, v);
      }
    }
    std::int64_t connected = 0;
    for (const auto& peer : n.peers()) {
      if (peer.state != "connected") continue;
      ++connected;
      const std::string id = peer.id.to_string();
      s.connections.push_back(
          ConnectionRow{.a = self_,
                        .b = id,
                        .rtt_ms = peer.srtt ? std::optional(peer.srtt->ms()) : std::nullopt,
                        .state = std::string(peer.state),
                        .updated = wall});
      auto v = views.find(id);
      if (v != views.end() && v->second.resources) {
        const auto& r = *v->second.resources;
        s.load.push_back(LoadRow{.node_id = id,
                                 .ts = wall,
                                 .cpu = r.cpu_percent,
                                 .mem = r.memory_percent,
                                 .connections = r.connections});
      }
    }
    s.load.insert(s.load.begin(), LoadRow{.node_id = self_,
                                          .ts = wall,
                                          .cpu = p.cpu_percent,
                                          .mem = p.memory_percent,
                                          .connections = connected,
                                          .requests = rate});
    for (const auto& r : n.routes()) {
      s.routes.push_back(RouteRow{.destination = r.destination.to_string(),
                                  .next_hop = routing::node_id_of(r.next_hop).to_string(),
                                  .metric = r.metric,
                                  .seqno = r.seqno,
                                  .router_id = r.router_id.to_string(),
                                  .feasible = r.feasible,
                                  .selected = r.selected,
                                  .updated = wall});
    }
    return s;
  }

 private:
  std::string self_;
  ProcessSampler sampler_;  // its own: CPU averaged over one snapshot interval
  std::optional<std::int64_t> last_wall_;
  std::uint64_t last_messages_ = 0;
};

// What the alert rules look at: every member (or, with membership off, every
// session) and this node's CPU and memory over one alert interval.
Observation observe(node::Node& n, Instant now, std::int64_t wall, ProcessSampler& sampler) {
  const ProcessSample p = sampler.sample(now);
  Observation o{.now_ms = wall, .cpu_percent = p.cpu_percent, .memory_percent = p.memory_percent};
  std::map<std::string, double> session_rtt;
  for (const auto& peer : n.peers()) {
    if (peer.state == "connected" && peer.srtt) session_rtt[peer.id.to_string()] = peer.srtt->ms();
  }
  if (const membership::Membership* m = n.membership()) {
    for (const auto& v : m->members(now)) {
      PeerObservation po{.node_id = v.id.to_string(),
                         .state = std::string(membership::name(v.state)),
                         .health = v.health.total};
      if (auto it = session_rtt.find(po.node_id); it != session_rtt.end()) {
        po.rtt_ms = it->second;  // the session's smoothed RTT: measured on every packet
      } else if (v.rtt) {
        po.rtt_ms = v.rtt->ms();
      }
      o.peers.push_back(std::move(po));
    }
  } else {
    for (const auto& [id, rtt] : session_rtt)
      o.peers.push_back({.node_id = id, .state = "alive", .rtt_ms = rtt});
  }
  return o;
}

// membership.json: the incarnation and the members this node knows, written
// when the incarnation changes, after membership events (at most once per
// tick) and every kSaveEvery.
class MembershipPersistence {
 public:
  static constexpr Duration kSaveEvery = seconds(10);

  MembershipPersistence(std::filesystem::path file, MembershipState state)
      : file_(std::move(file)), state_(std::move(state)) {}

  const MembershipState& state() const { return state_; }

  Result<void, std::string> save_now() {
    auto r = save_membership_state(file_, state_);
    if (r) saved_incarnation_ = state_.incarnation;
    return r;
  }

  // Called every second; saves if due. `event_seq` is the event log's last
  // seq: a new member event (discovered, failed, ...) changes the peer list.
  void tick(const membership::Membership& m, Instant now, std::uint64_t event_seq, bool force = false) {
    const bool changed = m.incarnation() != saved_incarnation_ || event_seq != saved_event_seq_;
    if (!force && !changed && now - last_save_ < kSaveEvery) return;
    last_save_ = now;
    saved_event_seq_ = event_seq;
    state_.incarnation = m.incarnation();
    const std::int64_t wall = unix_ms_now();
    std::vector<KnownPeer> fresh;
    for (const auto& v : m.members(now)) {
      KnownPeer k{
          .node_id = v.id.to_string(), .address = v.address, .state = std::string(membership::name(v.state))};
      if (v.last_ack) k.last_seen_ms = wall - static_cast<std::int64_t>((now - *v.last_ack).ms());
      fresh.push_back(std::move(k));
    }
    state_.peers = merge_known_peers(state_.peers, std::move(fresh));
    if (auto r = save_now(); !r) spdlog::error("cannot save membership state: {}", r.error());
  }

 private:
  std::filesystem::path file_;
  MembershipState state_;
  std::optional<std::uint64_t> saved_incarnation_;
  std::uint64_t saved_event_seq_ = 0;
  Instant last_save_;
};

}  // namespace

int run_daemon(const Config& config) {
  // A [[babel]] interface that does not exist is a config error (exit 2).
  if (auto error = check_babel_interfaces(config); !error.empty()) {
    spdlog::error("{}", error);
    return 2;
  }
  // First: a second daemon on this data_dir would share (and corrupt) its store.
  auto pid_file = PidFile::acquire(config.data_dir / "hyphae.pid");
  if (!pid_file) {
    spdlog::error("{}", pid_file.error());
    return 1;
  }
  crypto::SodiumKeySource keys;
  auto identity = runtime::load_or_create_identity(config.identity, keys);
  if (!identity) {
    spdlog::error("{}", identity.error());
    return 1;
  }
  auto inbox = Inbox::open(config.data_dir / "inbox.jsonl");
  if (!inbox) {
    spdlog::error("cannot open inbox: {}", inbox.error());
    return 1;
  }
  auto journal = MessageJournal::open(config.data_dir / "messages.db");
  if (!journal) {
    spdlog::error("cannot open the message journal: {}", journal.error());
    return 1;
  }
  std::optional<MessageService> messages;  // once the runner exists

  // A restarted node must come back with a higher incarnation than any it
  // used: the stored one plus one, on disk before anyone hears of it.
  std::optional<MembershipPersistence> persistence;
  if (config.membership_enabled) {
    const auto file = config.data_dir / "membership.json";
    auto stored = load_membership_state(file);
    MembershipState state;
    if (stored) {
      state = *stored;
      state.incarnation += 1;
    } else {
      // Seconds since 1970 exceed any incarnation a node counted up to by refuting.
      state.incarnation = static_cast<std::uint64_t>(unix_ms_now() / 1000);
      spdlog::warn("{}; starting afresh with incarnation {}", stored.error(), state.incarnation);
    }
    persistence.emplace(file, std::move(state));
    if (auto r = persistence->save_now(); !r) {
      spdlog::error("cannot save membership state: {}", r.error());
      return 1;
    }
  }

  asio::io_context io;
  asio::ip::udp::socket socket(io);
  try {
    socket = runtime::open_udp_socket(io, runtime::to_asio(config.listen, !config.listen.is_v4()));
  } catch (const boost::system::system_error& e) {
    spdlog::error("cannot listen on {}: {}", config.listen.to_string(), e.code().message());
    return 1;
  }
  const auto bound = runtime::from_asio(socket.local_endpoint());

  node::NodeConfig node_config;
  node_config.mesh_port = bound.port;
  node_config.network_psk = config.network_psk;
  const Endpoint advertise = resolve_advertise(config, bound.port, interface_addresses());
  node_config.advertise = advertise;
  node_config.target_degree = config.target_degree;
  if (config.routing_enabled) {
    node_config.routing = routing::RouterConfig{};
    node_config.routing_hello = config.routing_hello;
    node_config.neighbour_timeout = config.neighbour_timeout;
  }
  if (persistence) {
    node_config.membership = config.membership;
    node_config.incarnation = persistence->state().incarnation;
  }
  const Instant started = runtime::monotonic_now();
  node::Node node(node_config, *identity, keys, Rng{seed_from_os()}, started);

  auto store = open_store(config.store.url, config.data_dir);
  if (!store) {
    // Exit 2 like a config error: the store named in the config cannot be
    // used (no server, wrong credentials, a newer schema), and restarting
    // the daemon unchanged will not help.
    spdlog::error("{}", store.error());
    return 2;
  }
  EventLog event_log;
  EventHub hub(config.events.queue_max, config.events.subscribers_max);
  // Every event goes to the recent-events log, the store's history and the
  // WebSocket subscribers.
  const Emit emit = [&](LoggedEvent e) {
    json data = e.data;
    if (data.is_null()) data = {{"address", e.address}, {"incarnation", e.incarnation}};
    if (auto r = (*store)->add_event(
            EventRow{.ts = unix_ms_now(), .type = e.type, .node_id = e.node_id, .data = data.dump()});
        !r) {
      spdlog::error("{}", r.error());
    }
    const std::string type = e.type, time = e.time, node_id = e.node_id;
    const std::uint64_t seq = event_log.add(std::move(e));
    hub.publish(stream_event(type, time, node_id, std::move(data), seq));
  };
  AlertService alerts(config.alerts, **store, emit, identity->id.to_string());
  if (auto r = alerts.load(); !r) {
    spdlog::error("{}", r.error());
    return 1;
  }
  runtime::NodeRunner runner(io, node, std::move(socket), [&](const node::NodeEvent& event) {
    handle_event(*inbox, emit, hub, event);
    if (messages) messages->on_event(event);
  });
  messages.emplace(io.get_executor(), runner, std::move(*journal), *inbox);

  std::optional<LanDiscoveryRunner> lan;
  if (config.discovery.enabled) {
    try {
      lan.emplace(
          io,
          discovery::LanDiscoveryConfig{.mesh_port = advertise.port,
                                        .interval = config.discovery.interval,
                                        .expiry = config.discovery.expiry},
          *identity, Rng{seed_from_os()}, seed_from_os(),
          // IPv4 only: Endpoint has no IPv6 scope id, so a peer heard
          // from fe80:: could not be dialled, and its copy of a beacon
          // often arrives first, making the usable IPv4 copy a duplicate.
          runtime::BeaconSocketOptions{.port = config.discovery.port, .ipv6 = false},
          [&](Instant, const discovery::Discovered& d) {
            runner.with_node([&](node::Node& n, Instant now) { n.on_lan_peer(now, d.id, d.mesh_address); });
          });
    } catch (const boost::system::system_error& e) {
      // Discovery is best effort: the node still joins through bootstrap and peers.
      spdlog::warn("LAN discovery off: cannot use UDP port {}: {}", config.discovery.port,
                   e.code().message());
    }
  }

  // [[babel]]: plain Babel towards babeld/bird2 with the mesh's destinations
  // redistributed into it (docs/routing.md, "Interface mode").
  std::optional<BabelRunner> babel;
  if (!config.babel.empty()) {
    try {
      babel.emplace(io, config.babel, routing::router_id_of(identity->id), Rng{seed_from_os()}, [&] {
        return runner.with_node([&](node::Node& n, Instant) {
          std::map<routing::Prefix, std::uint16_t> out{{routing::mesh_prefix_of(identity->id), 0}};
          for (const auto& r : n.routes()) {
            if (r.selected) out.try_emplace(r.destination, r.metric);
          }
          return out;
        });
      });
    } catch (const std::exception& e) {
      spdlog::error("{}", e.what());
      return 1;
    }
  }

  asio::ip::tcp::acceptor acceptor(io);
  try {
    const auto api = runtime::to_asio(config.api, !config.api.is_v4());
    asio::ip::tcp::endpoint api_endpoint(api.address(), api.port());
    acceptor.open(api_endpoint.protocol());
    acceptor.set_option(asio::socket_base::reuse_address(true));
    acceptor.bind(api_endpoint);
    acceptor.listen();
  } catch (const boost::system::system_error& e) {
    spdlog::error("cannot serve the API on {}: {}", config.api.to_string(), e.code().message());
    return 1;
  }
  const bool expects_peers = !config.peers.empty() || !config.bootstrap.empty() ||
                             (persistence && !persistence->state().peers.empty());
  HealthMonitor health(config.health, expects_peers, started);
  ApiContext api_ctx{.runner = runner,
                     .inbox = *inbox,
                     .node_id = identity->id.to_string(),
                     .listen = bound.to_string(),
                     .api_token = config.api_token,
                     .started_at = started,
                     .events = event_log,
                     .advertise = advertise.to_string(),
                     .lan = lan ? &*lan : nullptr,
                     .babel = babel ? &*babel : nullptr,
                     .store = store->get(),
                     .alerts = &alerts,
                     .hub = &hub,
                     .health = &health,
                     .log_file = std::filesystem::absolute(config.data_dir / "hyphae.log").string(),
                     .api = runtime::from_asio(asio::ip::udp::endpoint(acceptor.local_endpoint().address(),
                                                                       acceptor.local_endpoint().port()))
                                .to_string(),
                     .messages = &*messages};
  start_http_server(
      acceptor, [&](const HttpRequest& req) { return handle_api(api_ctx, req); },
      [&](const HttpRequest& req) { return handle_upgrade(api_ctx, req); });

  runner.start();
  messages->restore();
  runner.with_node([&](node::Node& n, Instant now) {
    for (const auto& peer : config.peers) n.dial(now, peer);
    if (persistence) {
      // A restarted node rejoins through the members it knew, without needing bootstrap.
      const auto seeds = rejoin_seeds(persistence->state(), config.bootstrap);
      if (!seeds.empty()) n.join(now, seeds);
    }
  });
  if (lan) lan->start();
  if (babel) babel->start();

  // Once a second: our load for membership acks, membership.json when due,
  // and the daemon's health (how late this very timer fired is the loop's lag).
  ProcessSampler sampler;
  Instant last_housekeeping = runtime::monotonic_now();
  Periodic housekeeping(io, seconds(1), [&] {
    runner.with_node([&](node::Node& n, Instant now) {
      const ProcessSample p = sampler.sample(now);
      std::size_t connected = 0;
      for (const auto& peer : n.peers()) connected += peer.state == "connected" ? 1 : 0;
      std::size_t alive = 0;
      if (const membership::Membership* m = n.membership()) {
        alive = m->count_by_state()[static_cast<std::size_t>(membership::State::alive) - 1];
      }
      const Duration lag = std::max(Duration{}, now - last_housekeeping - seconds(1));
      last_housekeeping = now;
      health.observe(
          {.now = now, .store_errors = (*store)->errors(), .live_peers = connected + alive, .loop_lag = lag});
      n.set_resources(membership::Resources{
          .cpu_percent = static_cast<std::uint8_t>(std::lround(p.cpu_percent)),
          .memory_percent = static_cast<std::uint8_t>(std::lround(p.memory_percent)),
          .connections = static_cast<std::uint16_t>(std::min<std::size_t>(connected, 0xffff))});
      if (persistence && n.membership() != nullptr)
        persistence->tick(*n.membership(), now, event_log.last_seq());
    });
  });
  housekeeping.start();

  // The store: a snapshot every snapshot_interval, old rows pruned every minute.
  Snapshotter snapshotter(identity->id.to_string(), runtime::monotonic_now());
  Periodic snapshots(io, config.store.snapshot_interval, [&] {
    auto s =
        runner.with_node([&](node::Node& n, Instant now) { return snapshotter.take(n, now, unix_ms_now()); });
    if (auto r = (*store)->write_snapshot(s); !r) spdlog::error("{}", r.error());
  });
  snapshots.start();
  const auto retention_ms = config.store.retention.ns / milliseconds(1).ns;
  auto prune = [&] {
    if (auto r = (*store)->prune(unix_ms_now() - retention_ms); !r) {
      spdlog::error("{}", r.error());
    } else if (*r > 0) {
      spdlog::debug("store: pruned {} rows older than the retention", *r);
    }
  };
  prune();
  Periodic pruning(io, seconds(60), prune);
  pruning.start();

  ProcessSampler alert_sampler;
  Periodic alerting(io, milliseconds(config.alerts.interval_ms), [&] {
    auto o = runner.with_node(
        [&](node::Node& n, Instant now) { return observe(n, now, unix_ms_now(), alert_sampler); });
    alerts.evaluate(o);
  });
  if (config.alerts.enabled) {
    (void)alert_sampler.sample(runtime::monotonic_now());  // the first interval's CPU starts now
    alerting.start();
  }

  asio::signal_set signals(io, SIGINT, SIGTERM);
  signals.async_wait([&](const boost::system::error_code&, int signal) {
    spdlog::info("stopping on signal {}", signal);
    // Drains: the Closes and the membership leave go out.
    runner.with_node([&](node::Node& n, Instant now) {
      n.close_all(now);
      if (persistence && n.membership() != nullptr)
        persistence->tick(*n.membership(), now, event_log.last_seq(), /*force=*/true);
    });
    housekeeping.stop();
    snapshots.stop();
    pruning.stop();
    alerting.stop();
    if (lan) lan->stop();
    if (babel) babel->stop();
    runner.stop();
    boost::system::error_code ec;
    acceptor.close(ec);
    io.stop();
  });

  // One line on stdout so scripts and people know the node is ready and who it is.
  fmt::print("hyphae node {} listening on {} (api http://{})\n", identity->id.to_string(), bound.to_string(),
             config.api.to_string());
  spdlog::info("node started node_id={} listen={} advertise={} incarnation={} membership={} discovery={}",
               identity->id.to_string(), bound.to_string(), advertise.to_string(),
               persistence ? persistence->state().incarnation : 0, persistence ? "on" : "off",
               lan ? fmt::format("udp/{}", lan->socket().port()) : std::string("off"));
  (void)std::fflush(stdout);
  io.run();
  return 0;
}

}  // namespace hyphae::daemon
