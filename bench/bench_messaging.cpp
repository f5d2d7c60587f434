// Messaging between two processes on 127.0.0.1 (issue 7, bench/messaging):
//
//   hyphae  node::Node driven by runtime::NodeRunner (as the daemon drives it):
//           Noise session, Node::send (reliable, end-to-end acked, chunked into
//           <= 1200-byte segments), MessageReceived at the other process.
//           Membership and routing off: two static peers.
//   zmq     libzmq PUSH/PULL over TCP loopback, default high-water marks.
//   udp     raw sendto/recvfrom; a payload over 1200 bytes goes out as
//           1200-byte datagrams and counts as received once all of them are
//           (no retransmission: a lost datagram is a lost message).
//
// Two tests: `throughput` (the sender keeps the pipe full; hyphae: at most
// --queue messages sent and not yet acked) and `latency` (a fixed --rate, so
// latency is not queueing). Every payload starts with a sequence number and the
// sender's steady_clock time (CLOCK_MONOTONIC, shared by processes on one
// machine); the receiver takes one-way latency from it. The sender starts the
// measurement window --warmup seconds after it is connected and tells the
// receiver through shared memory; figures are what the RECEIVER got during the
// --seconds window, and CPU time (getrusage, all threads) is each process's
// within that window.
//
//   bench_messaging --mode hyphae|zmq|udp --size 64 --test throughput|latency
//                   [--seconds 2] [--warmup 0.5] [--rate 1000] [--queue N] [--window N]
//
// Prints one JSON object on one line (stdout).
#include <fmt/core.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/udp.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <cerrno>
#include <chrono>
#include <csignal>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <functional>
#include <string>
#include <thread>
#include <vector>

#ifdef HYPHAE_BENCH_ZMQ
#include <zmq.h>
#endif

#include "crypto/identity.hpp"
#include "crypto/key_source.hpp"
#include "node/node.hpp"
#include "runtime/clock.hpp"
#include "runtime/node_runner.hpp"

namespace {

using namespace hyphae;
namespace asio = boost::asio;
using Clock = std::chrono::steady_clock;

constexpr std::size_t kDatagram = 1200;         // the UDP baseline's fragment size, as Hyphae's segments
constexpr std::int64_t kGraceNs = 300'000'000;  // after the window: late acks, then stop
constexpr std::uint64_t kSenderSeed = 7001;
constexpr std::uint64_t kReceiverSeed = 7002;

[[noreturn]] void die(const std::string& what) {
  fmt::print(stderr, "bench_messaging: {}\n", what);
  std::exit(1);
}
[[noreturn]] void die_sys(const std::string& what) { die(fmt::format("{}: {}", what, std::strerror(errno))); }

std::int64_t now_ns() {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(Clock::now().time_since_epoch()).count();
}

double cpu_seconds() {
  rusage u{};
  getrusage(RUSAGE_SELF, &u);
  return static_cast<double>(u.ru_utime.tv_sec + u.ru_stime.tv_sec) +
         static_cast<double>(u.ru_utime.tv_usec + u.ru_stime.tv_usec) / 1e6;
}

struct Options {
  std::string mode = "hyphae";
  std::string test = "throughput";
  std::size_t size = 64;
  double seconds = 2.0;
  double warmup = 0.5;
  double rate = 1000;
  std::size_t queue = 0;   // hyphae throughput: messages sent and not yet acked (0: 4 MiB worth, 8..1024)
  std::size_t window = 0;  // hyphae: NodeConfig::messaging.window (0: the default)
};

struct Percentiles {
  double p50 = 0, p90 = 0, p99 = 0, max = 0;  // microseconds
  std::uint64_t samples = 0;
};

Percentiles percentiles(std::vector<std::int64_t>& ns) {
  Percentiles p;
  p.samples = ns.size();
  if (ns.empty()) return p;
  std::sort(ns.begin(), ns.end());
  auto at = [&](double q) {
    const auto i = static_cast<std::size_t>(q * static_cast<double>(ns.size() - 1) + 0.5);
    return static_cast<double>(ns[std::min(i, ns.size() - 1)]) / 1e3;
  };
  p.p50 = at(0.50);
  p.p90 = at(0.90);
  p.p99 = at(0.99);
  p.max = static_cast<double>(ns.back()) / 1e3;
  return p;
}

// Lives in a MAP_SHARED page set up before fork: both processes see it.
struct Shared {
  std::atomic<int> ready{0};           // the receiver is listening
  std::atomic<std::uint16_t> port{0};  // on this port of 127.0.0.1
  std::atomic<std::int64_t> start{0};  // measurement window (steady_clock ns), set by the sender
  std::atomic<std::int64_t> end{0};
  std::atomic<int> done{0};  // the sender has finished
  // The receiver's results.
  std::uint64_t received = 0;  // whole messages received in the window
  std::uint64_t received_total = 0;
  std::uint64_t datagrams_total = 0;  // udp: datagrams
  double cpu = 0;
  Percentiles latency;
  int finished = 0;
};

// The measurement window as one process sees it, with its CPU time at both ends.
class Window {
 public:
  explicit Window(Shared& s) : s_(s) {}
  // Whether `t` is inside the window; takes the CPU snapshots on the way.
  bool observe(std::int64_t t) {
    const std::int64_t start = s_.start.load(std::memory_order_acquire);
    if (start == 0) return false;
    if (!started_ && t >= start) {
      started_ = true;
      cpu0_ = cpu_seconds();
    }
    if (started_ && !ended_ && t >= s_.end.load(std::memory_order_acquire)) {
      ended_ = true;
      cpu1_ = cpu_seconds();
    }
    return started_ && !ended_;
  }
  bool over(std::int64_t t) const {
    const std::int64_t end = s_.end.load(std::memory_order_acquire);
    return end != 0 && t >= end;
  }
  double cpu() const { return ended_ ? cpu1_ - cpu0_ : 0; }

 private:
  Shared& s_;
  bool started_ = false, ended_ = false;
  double cpu0_ = 0, cpu1_ = 0;
};

struct Header {
  std::uint64_t seq;
  std::int64_t sent_ns;
  std::uint32_t fragment;  // udp only
  std::uint32_t fragments;
};
static_assert(sizeof(Header) == 24);

Header read_header(const std::uint8_t* p) {
  Header h{};
  std::memcpy(&h, p, sizeof h);
  return h;
}

// What the sender saw; printed with the receiver's figures.
struct SenderResult {
  std::uint64_t sent = 0, sent_in_window = 0, acked = 0, acked_in_window = 0, failed = 0, queue_full = 0;
  double cpu = 0;
  Percentiles ack_latency;  // hyphae: send() to MessageAcked
  std::string error;
};

void start_window(Shared& s, const Options& o) {
  const std::int64_t start = now_ns() + static_cast<std::int64_t>(o.warmup * 1e9);
  s.end.store(start + static_cast<std::int64_t>(o.seconds * 1e9), std::memory_order_release);
  s.start.store(start, std::memory_order_release);
}

void wait_ready(Shared& s) {
  const std::int64_t give_up = now_ns() + 5'000'000'000;
  while (s.ready.load(std::memory_order_acquire) == 0) {
    if (now_ns() > give_up) die("the receiver did not start");
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
}

// Paces the latency test: when the next message is due.
class Pacer {
 public:
  explicit Pacer(double rate) : period_(static_cast<std::int64_t>(1e9 / rate)), next_(now_ns()) {}
  std::int64_t next() const { return next_; }
  void advance() {
    next_ += period_;
    // Far behind (the machine was busy): skip, rather than burst to catch up.
    next_ = std::max(next_, now_ns() - 10 * period_);
  }

 private:
  std::int64_t period_;
  std::int64_t next_;
};

void sleep_until_ns(std::int64_t t) {
  const std::int64_t d = t - now_ns();
  if (d > 0) std::this_thread::sleep_for(std::chrono::nanoseconds(d));
}

// ---- raw UDP ------------------------------------------------------------------------------------

int udp_socket() {
  const int fd = ::socket(AF_INET, SOCK_DGRAM, 0);
  if (fd < 0) die_sys("socket");
  const int buf = 4 << 20;  // as runtime::open_udp_socket
  setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &buf, sizeof buf);
  setsockopt(fd, SOL_SOCKET, SO_SNDBUF, &buf, sizeof buf);
  return fd;
}

sockaddr_in loopback(std::uint16_t port) {
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  a.sin_port = htons(port);
  return a;
}

void udp_receiver(Shared& s, const Options&) {
  const int fd = udp_socket();
  sockaddr_in a = loopback(0);
  if (bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) != 0) die_sys("bind");
  socklen_t len = sizeof a;
  getsockname(fd, reinterpret_cast<sockaddr*>(&a), &len);
  s.port.store(ntohs(a.sin_port));
  s.ready.store(1, std::memory_order_release);

  Window w(s);
  std::vector<std::int64_t> lat;
  lat.reserve(1 << 20);
  std::vector<std::uint8_t> buf(65536);
  std::uint64_t cur = UINT64_MAX;
  std::uint32_t got = 0;
  for (;;) {
    const ssize_t n = recv(fd, buf.data(), buf.size(), MSG_DONTWAIT);
    if (n < 0) {
      const std::int64_t t = now_ns();
      w.observe(t);
      if (s.done.load() != 0 || (w.over(t) && t > s.end.load() + kGraceNs)) break;
      pollfd p{fd, POLLIN, 0};
      poll(&p, 1, 20);
      continue;
    }
    s.datagrams_total += 1;
    if (n < static_cast<ssize_t>(sizeof(Header))) continue;
    const Header h = read_header(buf.data());
    if (h.seq != cur) {
      cur = h.seq;
      got = 0;
    }
    if (++got != h.fragments) continue;
    const std::int64_t t = now_ns();
    s.received_total += 1;
    if (w.observe(t)) {
      s.received += 1;
      lat.push_back(t - h.sent_ns);
    }
  }
  s.cpu = w.cpu();
  s.latency = percentiles(lat);
  close(fd);
}

SenderResult udp_sender(Shared& s, const Options& o) {
  wait_ready(s);
  const int fd = udp_socket();
  const sockaddr_in to = loopback(s.port.load());
  if (connect(fd, reinterpret_cast<const sockaddr*>(&to), sizeof to) != 0) die_sys("connect");
  SenderResult r;
  Window w(s);
  std::vector<std::uint8_t> buf(std::max(o.size, sizeof(Header)));
  const auto fragments = static_cast<std::uint32_t>((o.size + kDatagram - 1) / kDatagram);
  Pacer pacer(o.rate);
  start_window(s, o);
  for (std::uint64_t seq = 0;; ++seq) {
    if (o.test == "latency") {
      sleep_until_ns(pacer.next());
      pacer.advance();
    }
    const std::int64_t t = now_ns();
    if (w.observe(t)) r.sent_in_window += 1;
    if (w.over(t)) break;
    for (std::uint32_t f = 0; f < fragments; ++f) {
      const std::size_t off = std::size_t{f} * kDatagram;
      const std::size_t n = std::min(kDatagram, o.size - off);
      const Header h{seq, now_ns(), f, fragments};
      std::memcpy(buf.data() + off, &h, sizeof h);
      while (send(fd, buf.data() + off, n, 0) < 0) {
        if (errno != ENOBUFS && errno != EAGAIN && errno != ECONNREFUSED) die_sys("send");
      }
    }
    r.sent += 1;
  }
  r.cpu = w.cpu();
  sleep_until_ns(s.end.load() + kGraceNs);
  s.done.store(1);
  close(fd);
  return r;
}

// ---- ZeroMQ -------------------------------------------------------------------------------------

#ifdef HYPHAE_BENCH_ZMQ
void zmq_receiver(Shared& s, const Options&) {
  void* ctx = zmq_ctx_new();
  void* pull = zmq_socket(ctx, ZMQ_PULL);
  if (zmq_bind(pull, "tcp://127.0.0.1:*") != 0) die("zmq_bind failed");
  char endpoint[256] = {};
  std::size_t len = sizeof endpoint;
  zmq_getsockopt(pull, ZMQ_LAST_ENDPOINT, endpoint, &len);
  const std::string ep(endpoint);
  s.port.store(static_cast<std::uint16_t>(std::stoi(ep.substr(ep.rfind(':') + 1))));
  const int timeout_ms = 20;
  zmq_setsockopt(pull, ZMQ_RCVTIMEO, &timeout_ms, sizeof timeout_ms);
  s.ready.store(1, std::memory_order_release);

  Window w(s);
  std::vector<std::int64_t> lat;
  lat.reserve(1 << 20);
  std::vector<std::uint8_t> buf(65536 + 16);
  for (;;) {
    const int n = zmq_recv(pull, buf.data(), buf.size(), 0);
    const std::int64_t t = now_ns();
    if (n < 0) {
      w.observe(t);
      if (s.done.load() != 0 || (w.over(t) && t > s.end.load() + kGraceNs)) break;
      continue;
    }
    if (n < static_cast<int>(sizeof(Header))) continue;
    s.received_total += 1;
    if (w.observe(t)) {
      s.received += 1;
      lat.push_back(t - read_header(buf.data()).sent_ns);
    }
  }
  s.cpu = w.cpu();
  s.latency = percentiles(lat);
  const int linger = 0;
  zmq_setsockopt(pull, ZMQ_LINGER, &linger, sizeof linger);
  zmq_close(pull);
  zmq_ctx_term(ctx);
}

SenderResult zmq_sender(Shared& s, const Options& o) {
  wait_ready(s);
  void* ctx = zmq_ctx_new();
  void* push = zmq_socket(ctx, ZMQ_PUSH);
  const int timeout_ms = 20;
  zmq_setsockopt(push, ZMQ_SNDTIMEO, &timeout_ms, sizeof timeout_ms);
  if (zmq_connect(push, fmt::format("tcp://127.0.0.1:{}", s.port.load()).c_str()) != 0)
    die("zmq_connect failed");
  SenderResult r;
  Window w(s);
  std::vector<std::uint8_t> buf(std::max(o.size, sizeof(Header)));
  Pacer pacer(o.rate);
  start_window(s, o);
  for (std::uint64_t seq = 0;;) {
    if (o.test == "latency") {
      sleep_until_ns(pacer.next());
      pacer.advance();
    }
    const std::int64_t t = now_ns();
    w.observe(t);
    if (w.over(t)) break;
    const Header h{seq, now_ns(), 0, 1};
    std::memcpy(buf.data(), &h, sizeof h);
    if (zmq_send(push, buf.data(), o.size, 0) < 0) continue;  // EAGAIN: the high-water mark, try again
    if (w.observe(t)) r.sent_in_window += 1;
    r.sent += 1;
    ++seq;
  }
  r.cpu = w.cpu();
  sleep_until_ns(s.end.load() + kGraceNs);
  s.done.store(1);
  const int linger = 0;
  zmq_setsockopt(push, ZMQ_LINGER, &linger, sizeof linger);
  zmq_close(push);
  zmq_ctx_term(ctx);
  return r;
}
#endif

// ---- Hyphae -------------------------------------------------------------------------------------

crypto::Identity identity_for(std::uint64_t seed, crypto::SeededKeySource& keys) {
  keys = crypto::SeededKeySource(seed);
  return crypto::Identity::generate(keys);
}

node::NodeConfig hyphae_config(const Options& o, std::uint16_t port) {
  node::NodeConfig cfg;
  cfg.mesh_port = port;
  cfg.membership = std::nullopt;
  cfg.routing = std::nullopt;
  if (o.window != 0) cfg.messaging.window = o.window;
  return cfg;
}

// Calls `f` every 5 ms on the timer's io_context until it returns false.
class Ticker {
 public:
  Ticker(asio::io_context& io, std::function<bool()> f) : timer_(io), f_(std::move(f)) { tick(); }

 private:
  void tick() {
    if (!f_()) return;
    timer_.expires_after(std::chrono::milliseconds(5));
    timer_.async_wait([this](const boost::system::error_code& ec) {
      if (!ec) tick();
    });
  }
  asio::steady_timer timer_;
  std::function<bool()> f_;
};

void hyphae_receiver(Shared& s, const Options& o) {
  asio::io_context io;
  crypto::SeededKeySource keys(0);
  const crypto::Identity id = identity_for(kReceiverSeed, keys);
  auto socket = runtime::open_udp_socket(io, asio::ip::udp::endpoint(asio::ip::address_v4::loopback(), 0));
  const std::uint16_t port = socket.local_endpoint().port();
  node::Node node(hyphae_config(o, port), id, keys, Rng{kReceiverSeed}, runtime::monotonic_now());
  Window w(s);
  std::vector<std::int64_t> lat;
  lat.reserve(1 << 20);
  runtime::NodeRunner runner(io, node, std::move(socket), [&](const node::NodeEvent& e) {
    const auto* m = std::get_if<node::MessageReceived>(&e);
    if (m == nullptr || m->payload.size() < sizeof(Header)) return;
    const std::int64_t t = now_ns();
    s.received_total += 1;
    if (w.observe(t)) {
      s.received += 1;
      lat.push_back(t - read_header(m->payload.data()).sent_ns);
    }
  });
  runner.start();
  s.port.store(port);
  s.ready.store(1, std::memory_order_release);
  const Ticker ticker(io, [&] {
    const std::int64_t t = now_ns();
    w.observe(t);
    if (s.done.load() != 0 || (w.over(t) && t > s.end.load() + kGraceNs)) {
      runner.stop();
      io.stop();
      return false;
    }
    return true;
  });
  io.run();
  s.cpu = w.cpu();
  s.latency = percentiles(lat);
}

SenderResult hyphae_sender(Shared& s, const Options& o) {
  wait_ready(s);
  asio::io_context io;
  crypto::SeededKeySource keys(0);
  const crypto::Identity id = identity_for(kSenderSeed, keys);
  crypto::SeededKeySource receiver_keys(0);
  const crypto::NodeId to = identity_for(kReceiverSeed, receiver_keys).id;
  auto socket = runtime::open_udp_socket(io, asio::ip::udp::endpoint(asio::ip::address_v4::loopback(), 0));
  node::Node node(hyphae_config(o, socket.local_endpoint().port()), id, keys, Rng{kSenderSeed},
                  runtime::monotonic_now());
  SenderResult r;
  Window w(s);
  std::vector<std::int64_t> ack_lat;
  ack_lat.reserve(1 << 20);
  const std::size_t queue = o.queue != 0 ? o.queue : std::clamp<std::size_t>((4u << 20) / o.size, 8, 1024);
  bool connected = false, sending = true, refill_posted = false;
  Bytes payload(std::max(o.size, sizeof(Header)));
  std::uint64_t seq = 0;

  auto send_one = [&](node::Node& n, Instant now) {
    const std::int64_t t = now_ns();
    const Header h{seq, t, 0, 1};
    std::memcpy(payload.data(), &h, sizeof h);
    auto res = n.send(now, to, wire::MessageType::task, wire::Priority::medium, payload);
    if (!res) {
      r.queue_full += 1;
      return false;
    }
    ++seq;
    r.sent += 1;
    if (w.observe(t)) r.sent_in_window += 1;
    return true;
  };
  std::function<void()> refill;
  std::unique_ptr<runtime::NodeRunner> runner;
  auto on_event = [&](const node::NodeEvent& e) {
    if (std::holds_alternative<node::PeerConnected>(e)) {
      connected = true;
    } else if (const auto* a = std::get_if<node::MessageAcked>(&e)) {
      r.acked += 1;
      if (w.observe(now_ns())) {
        r.acked_in_window += 1;
        ack_lat.push_back(a->latency.ns);
      }
      if (o.test == "throughput" && sending && !refill_posted) {
        refill_posted = true;
        asio::post(io, [&] { refill(); });
      }
    } else if (std::holds_alternative<node::MessageFailed>(e)) {
      r.failed += 1;
    }
  };
  runner = std::make_unique<runtime::NodeRunner>(io, node, std::move(socket), on_event);
  refill = [&] {
    refill_posted = false;
    if (!sending) return;
    runner->with_node([&](node::Node& n, Instant now) {
      while (n.outbox_size() < queue && send_one(n, now)) {
      }
    });
  };
  runner->start();
  runner->with_node(
      [&](node::Node& n, Instant now) { n.dial(now, Endpoint::v4(0x7f000001, s.port.load())); });

  const std::int64_t give_up = now_ns() + 5'000'000'000;
  Pacer pacer(o.rate);
  auto pace = std::make_shared<asio::steady_timer>(io);
  std::function<void()> paced = [&] {
    if (!sending) return;
    runner->with_node([&](node::Node& n, Instant now) { send_one(n, now); });
    pacer.advance();
    pace->expires_at(Clock::time_point(std::chrono::nanoseconds(pacer.next())));
    pace->async_wait([&](const boost::system::error_code& ec) {
      if (!ec) paced();
    });
  };
  const Ticker ticker(io, [&] {
    const std::int64_t t = now_ns();
    if (!connected) {
      if (t > give_up) {
        r.error = "no session with the receiver within 5 s";
        s.done.store(1);
        runner->stop();
        io.stop();
        return false;
      }
      return true;
    }
    if (s.start.load() == 0) {
      start_window(s, o);
      if (o.test == "throughput") {
        refill();
      } else {
        pacer = Pacer(o.rate);
        paced();
      }
    }
    w.observe(t);
    if (sending && w.over(t)) {
      sending = false;
      pace->cancel();
    }
    if (t > s.end.load() + kGraceNs) {
      s.done.store(1);
      runner->stop();
      io.stop();
      return false;
    }
    return true;
  });
  io.run();
  r.cpu = w.cpu();
  r.ack_latency = percentiles(ack_lat);
  return r;
}

// ---- main ---------------------------------------------------------------------------------------

std::string pct_json(const Percentiles& p) {
  return fmt::format(R"({{"p50_us":{:.1f},"p90_us":{:.1f},"p99_us":{:.1f},"max_us":{:.1f},"samples":{}}})",
                     p.p50, p.p90, p.p99, p.max, p.samples);
}

Options parse(int argc, char** argv) {
  Options o;
  for (int i = 1; i < argc; ++i) {
    const std::string a = argv[i];
    auto value = [&]() -> std::string {
      if (i + 1 >= argc) die(a + " needs a value");
      return argv[++i];
    };
    if (a == "--mode") {
      o.mode = value();
    } else if (a == "--test") {
      o.test = value();
    } else if (a == "--size") {
      o.size = std::stoul(value());
    } else if (a == "--seconds") {
      o.seconds = std::stod(value());
    } else if (a == "--warmup") {
      o.warmup = std::stod(value());
    } else if (a == "--rate") {
      o.rate = std::stod(value());
    } else if (a == "--queue") {
      o.queue = std::stoul(value());
    } else if (a == "--window") {
      o.window = std::stoul(value());
    } else {
      die("unknown argument " + a);
    }
  }
  if (o.mode != "hyphae" && o.mode != "zmq" && o.mode != "udp") die("--mode is hyphae, zmq or udp");
  if (o.test != "throughput" && o.test != "latency") die("--test is throughput or latency");
  if (o.size < sizeof(Header) || o.size > (std::size_t{16} << 20)) die("--size is 24 bytes to 16 MiB");
#ifndef HYPHAE_BENCH_ZMQ
  if (o.mode == "zmq") die("built without libzmq (pkg-config libzmq)");
#endif
  return o;
}

}  // namespace

int main(int argc, char** argv) {
  const Options o = parse(argc, argv);
  void* mem = mmap(nullptr, sizeof(Shared), PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
  if (mem == MAP_FAILED) die_sys("mmap");
  auto* s = new (mem) Shared();

  const pid_t child = fork();
  if (child < 0) die_sys("fork");
  if (child == 0) {
    if (o.mode == "udp") udp_receiver(*s, o);
#ifdef HYPHAE_BENCH_ZMQ
    if (o.mode == "zmq") zmq_receiver(*s, o);
#endif
    if (o.mode == "hyphae") hyphae_receiver(*s, o);
    s->finished = 1;
    std::_Exit(0);
  }

  SenderResult r;
  if (o.mode == "udp") r = udp_sender(*s, o);
#ifdef HYPHAE_BENCH_ZMQ
  if (o.mode == "zmq") r = zmq_sender(*s, o);
#endif
  if (o.mode == "hyphae") r = hyphae_sender(*s, o);
  s->done.store(1);

  // The receiver stops by itself within the grace period; give it 5 s.
  int status = 0;
  for (int i = 0; i < 500 && waitpid(child, &status, WNOHANG) == 0; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  if (waitpid(child, &status, WNOHANG) == 0) {
    kill(child, SIGKILL);
    waitpid(child, &status, 0);
    r.error = r.error.empty() ? "the receiver did not stop" : r.error;
  }
  if (s->finished == 0 && r.error.empty()) r.error = "the receiver failed";

  const double secs = o.seconds;
  const double rate = static_cast<double>(s->received) / secs;
  auto per_cpu = [&](double cpu) { return cpu > 0 ? static_cast<double>(s->received) / cpu : 0.0; };
  fmt::print(
      R"({{"mode":"{}","test":"{}","size":{},"seconds":{},"rate_target":{},"received":{},"received_total":{},)"
      R"("msgs_per_s":{:.1f},"MBps":{:.3f},"latency":{},)"
      R"("sender":{{"sent":{},"sent_in_window":{},"acked":{},"acked_in_window":{},"failed":{},"queue_full":{},)"
      R"("cpu_s":{:.3f},"ack_latency":{}}},)"
      R"("receiver":{{"cpu_s":{:.3f},"datagrams":{}}},)"
      R"("msgs_per_cpu_s":{{"sender":{:.1f},"receiver":{:.1f}}},"error":"{}"}})"
      "\n",
      o.mode, o.test, o.size, secs, o.test == "latency" ? o.rate : 0.0, s->received, s->received_total, rate,
      rate * static_cast<double>(o.size) / 1e6, pct_json(s->latency), r.sent, r.sent_in_window, r.acked,
      r.acked_in_window, r.failed, r.queue_full, r.cpu, pct_json(r.ack_latency), s->cpu, s->datagrams_total,
      per_cpu(r.cpu), per_cpu(s->cpu), r.error);
  return r.error.empty() ? 0 : 1;
}
