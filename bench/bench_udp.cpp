// One-way throughput between two processes on 127.0.0.1 (issue 3):
//
//   raw        the sender blasts 1200-byte UDP datagrams, the receiver counts them;
//   encrypted  the same two kinds of process first run a real link::Session XX
//              handshake over the socket, then every datagram is one frame with
//              one wire::Message TLV (1200-byte payload) sealed by Session::seal;
//              the receiver runs decode_packet + Session::on_transport + decode_tlvs.
//              These are node::Node's own calls (send_frame; on_transport with
//              one reused buffer, its rx_scratch_), so this measures what ships.
//
// Both modes share the socket setup (same SO_SNDBUF/SO_RCVBUF), the send loop
// and the receive loop; only the per-datagram "make" and "consume" steps differ.
// Figures are what the RECEIVER got (payload bytes, not header bytes) between
// its first and last counted datagram. Raw and encrypted slices alternate
// (--rounds) so background load on a shared machine hits both alike.
//
//   bench_udp --seconds 3 --json OUT      # spawns its own receivers; ends by itself
//   bench_udp --role receiver --mode raw|encrypted --port P   # internal
#include <arpa/inet.h>
#include <fcntl.h>
#include <fmt/core.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "base/bytes.hpp"
#include "base/endpoint.hpp"
#include "crypto/identity.hpp"
#include "crypto/key_source.hpp"
#include "link/session.hpp"
#include "runtime/clock.hpp"
#include "wire/packet.hpp"
#include "wire/tlv.hpp"

namespace {

using namespace hyphae;
using Clock = std::chrono::steady_clock;

constexpr std::uint8_t kEndMarker = 'E';  // a 1-byte datagram: "the slice is over"
constexpr int kMaxBatch = 64;

[[noreturn]] void die(const std::string& what) {
  fmt::print(stderr, "bench_udp: {}\n", what);
  std::exit(1);
}
[[noreturn]] void die_sys(const std::string& what) { die(fmt::format("{}: {}", what, std::strerror(errno))); }

struct Options {
  std::string role = "sender";
  std::string mode = "raw";  // receiver only
  double seconds = 3.0;      // per mode, split across rounds
  int rounds = 3;
  std::uint16_t port = 0;
  int buffer = 4 << 20;  // SO_SNDBUF and SO_RCVBUF, both modes, both processes (as the runtime)
  int batch = 1;         // 1: sendto/recvfrom; >1: sendmmsg/recvmmsg with this many datagrams
  std::size_t payload = 1200;
  std::string json;
  std::string only;  // "raw" or "encrypted": run one mode (for profiling)
};

double seconds_since(Clock::time_point t) { return std::chrono::duration<double>(Clock::now() - t).count(); }

double cpu_seconds() {
  rusage ru{};
  getrusage(RUSAGE_SELF, &ru);
  auto s = [](const timeval& tv) {
    return static_cast<double>(tv.tv_sec) + static_cast<double>(tv.tv_usec) / 1e6;
  };
  return s(ru.ru_utime) + s(ru.ru_stime);
}

// ---- sockets -----------------------------------------------------------------

sockaddr_in loopback(std::uint16_t port) {
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_port = htons(port);
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  return a;
}

Endpoint to_endpoint(const sockaddr_in& a) {
  return Endpoint::v4(ntohl(a.sin_addr.s_addr), ntohs(a.sin_port));
}

struct Socket {
  int fd = -1;
  int sndbuf = 0;
  int rcvbuf = 0;
  std::uint16_t port = 0;
};

// Bound to 127.0.0.1 only. Asks for opt.buffer both ways and records what the kernel granted.
Socket open_socket(const Options& opt, std::uint16_t port) {
  Socket s;
  s.fd = ::socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
  if (s.fd < 0) die_sys("socket");
  for (int name : {SO_SNDBUF, SO_RCVBUF}) {
    if (::setsockopt(s.fd, SOL_SOCKET, name, &opt.buffer, sizeof opt.buffer) != 0)
      die_sys("setsockopt buffer");
  }
  socklen_t len = sizeof s.sndbuf;
  ::getsockopt(s.fd, SOL_SOCKET, SO_SNDBUF, &s.sndbuf, &len);
  len = sizeof s.rcvbuf;
  ::getsockopt(s.fd, SOL_SOCKET, SO_RCVBUF, &s.rcvbuf, &len);
  const sockaddr_in a = loopback(port);
  if (::bind(s.fd, reinterpret_cast<const sockaddr*>(&a), sizeof a) != 0) die_sys("bind 127.0.0.1");
  sockaddr_in bound{};
  len = sizeof bound;
  ::getsockname(s.fd, reinterpret_cast<sockaddr*>(&bound), &len);
  s.port = ntohs(bound.sin_port);
  return s;
}

void set_recv_timeout(int fd, int ms) {
  timeval tv{.tv_sec = ms / 1000, .tv_usec = (ms % 1000) * 1000};
  if (::setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv) != 0) die_sys("SO_RCVTIMEO");
}

void send_to(int fd, const sockaddr_in& to, ByteView d) {
  (void)::sendto(fd, d.data(), d.size(), 0, reinterpret_cast<const sockaddr*>(&to), sizeof to);
}

// Waits up to `ms` for one datagram (handshake phase only).
std::optional<std::size_t> recv_within(int fd, Bytes& buf, sockaddr_in& from, int ms) {
  pollfd p{.fd = fd, .events = POLLIN, .revents = 0};
  if (::poll(&p, 1, ms) <= 0) return std::nullopt;
  socklen_t len = sizeof from;
  const ssize_t n =
      ::recvfrom(fd, buf.data(), buf.size(), MSG_DONTWAIT, reinterpret_cast<sockaddr*>(&from), &len);
  if (n < 0) return std::nullopt;
  return static_cast<std::size_t>(n);
}

// ---- the shared send loop ----------------------------------------------------

struct SendStats {
  std::uint64_t packets = 0;
  std::uint64_t errors = 0;
  double seconds = 0;
  double cpu = 0;
};

// Calls make(slot) for each datagram (slot < batch; its view must stay valid
// until the slot is reused) and sends it with a blocking sendto, or batch at a
// time with sendmmsg. Identical for both modes.
template <class Make>
SendStats blast(int fd, const sockaddr_in& to, const Options& opt, double seconds, Make&& make) {
  SendStats st;
  const int batch = opt.batch;
  std::vector<mmsghdr> msgs(static_cast<std::size_t>(batch));
  std::vector<iovec> iovs(static_cast<std::size_t>(batch));
  const double cpu0 = cpu_seconds();
  const auto start = Clock::now();
  const auto end =
      start + std::chrono::duration_cast<Clock::duration>(std::chrono::duration<double>(seconds));
  std::uint64_t since_check = 0;
  for (;;) {
    if (since_check >= 32) {
      since_check = 0;
      if (Clock::now() >= end) break;
    }
    if (batch == 1) {
      const ByteView d = make(0);
      const ssize_t n =
          ::sendto(fd, d.data(), d.size(), 0, reinterpret_cast<const sockaddr*>(&to), sizeof to);
      if (n < 0)
        ++st.errors;
      else
        ++st.packets;
      ++since_check;
      continue;
    }
    for (int i = 0; i < batch; ++i) {
      const ByteView d = make(static_cast<std::size_t>(i));
      iovs[static_cast<std::size_t>(i)] =
          iovec{.iov_base = const_cast<std::uint8_t*>(d.data()), .iov_len = d.size()};
      msghdr& h = msgs[static_cast<std::size_t>(i)].msg_hdr;
      h = msghdr{};
      h.msg_name = const_cast<sockaddr_in*>(&to);
      h.msg_namelen = sizeof to;
      h.msg_iov = &iovs[static_cast<std::size_t>(i)];
      h.msg_iovlen = 1;
    }
    int off = 0;
    while (off < batch) {
      const int n = ::sendmmsg(fd, msgs.data() + off, static_cast<unsigned>(batch - off), 0);
      if (n <= 0) {
        st.errors += static_cast<std::uint64_t>(batch - off);
        break;
      }
      off += n;
      st.packets += static_cast<std::uint64_t>(n);
    }
    since_check += static_cast<std::uint64_t>(batch);
  }
  st.seconds = seconds_since(start);
  st.cpu = cpu_seconds() - cpu0;
  return st;
}

// ---- sessions on both ends ------------------------------------------------------

struct Peer {
  crypto::SodiumKeySource keys;
  crypto::Identity identity;
  link::SessionContext ctx;
  explicit Peer(std::uint16_t port)
      : identity(crypto::Identity::generate(keys)),
        ctx{.identity = identity, .keys = keys, .network_psk = std::nullopt, .mesh_port = port} {}
};

Bytes ping_frame(std::uint64_t id) {
  Bytes f;
  wire::append_tlv(f, wire::Ping{.ping_id = id});
  return f;
}

// Initiator: XX over the socket, then waits for the responder's confirming
// Ping (as node/ does). Retries lost datagrams; gives up after ~5 s.
link::Session sender_handshake(Peer& me, int fd, const sockaddr_in& to) {
  Bytes buf(2048);
  sockaddr_in from{};
  for (std::uint32_t attempt = 1; attempt <= 20; ++attempt) {
    Bytes d1;
    auto s = link::Session::initiate(me.ctx, runtime::monotonic_now(), to_endpoint(to), attempt, d1);
    send_to(fd, to, d1);
    Bytes d3;
    for (int wait = 0; wait < 10; ++wait) {
      auto n = recv_within(fd, buf, from, 50);
      if (!n) {
        if (!d3.empty()) send_to(fd, to, d3);  // finish lost? the responder re-confirms
        continue;
      }
      auto packet = wire::decode_packet(ByteView(buf).first(*n));
      if (!packet) continue;
      if (auto* resp = std::get_if<wire::HandshakeResp>(&*packet); resp && d3.empty()) {
        if (resp->receiver_index != attempt) continue;
        if (!s.on_handshake_resp(runtime::monotonic_now(), to_endpoint(from), *resp, d3)) break;
        send_to(fd, to, d3);
      } else if (auto* t = std::get_if<wire::Transport>(&*packet); t && !d3.empty()) {
        Bytes plaintext;
        if (s.on_transport(runtime::monotonic_now(), to_endpoint(from), *t, plaintext) &&
            s.state() == link::SessionState::established) {
          return s;
        }
      }
    }
  }
  die("handshake with the receiver did not complete");
}

// ---- receiver process --------------------------------------------------------------

int receiver_main(const Options& opt) {
  const bool encrypted = opt.mode == "encrypted";
  if (!encrypted && opt.mode != "raw") die("--mode must be raw or encrypted");
  Socket sock = open_socket(opt, opt.port);
  fmt::print("PORT {}\n", sock.port);
  std::fflush(stdout);
  set_recv_timeout(sock.fd, 200);

  std::optional<Peer> me;
  if (encrypted) me.emplace(sock.port);
  std::optional<link::Session> session;
  std::uint64_t ping_id = 0;
  Bytes plaintext;  // reused for every packet, as Node's rx_scratch_: no allocation per packet
  wire::TlvArray tlvs;

  std::uint64_t packets = 0, bytes = 0, dropped = 0;
  Clock::time_point first{}, last{};
  double cpu_first = 0;
  const auto deadline =
      Clock::now() + std::chrono::seconds(30) +
      std::chrono::duration_cast<Clock::duration>(std::chrono::duration<double>(opt.seconds));

  // Returns false when the slice is over.
  auto consume = [&](ByteView d, const sockaddr_in& from) -> bool {
    if (d.size() == 1 && d[0] == kEndMarker) return false;
    bool counted = false;
    if (!encrypted) {
      if (d.size() == opt.payload) {
        ++packets;
        bytes += d.size();
        counted = true;
      } else {
        ++dropped;
      }
    } else {
      const Instant now = runtime::monotonic_now();
      auto packet = wire::decode_packet(d);
      if (!packet) {
        ++dropped;
      } else if (auto* t = std::get_if<wire::Transport>(&*packet)) {
        if (session && session->on_transport(now, to_endpoint(from), *t, plaintext)) {
          auto n = wire::decode_tlvs(plaintext, tlvs);
          if (n) {
            for (std::size_t i = 0; i < *n; ++i) {
              if (auto* m = std::get_if<wire::Message>(&tlvs[i])) {
                ++packets;
                bytes += m->payload.size();
                counted = true;
              }
            }
          } else {
            ++dropped;
          }
        } else {
          ++dropped;
        }
      } else if (auto* init = std::get_if<wire::HandshakeInit>(&*packet)) {
        Bytes out;
        auto s = link::Session::accept(me->ctx, now, to_endpoint(from),
                                       1000 + static_cast<std::uint32_t>(ping_id), *init, out);
        if (s) {
          session.emplace(std::move(*s));
          send_to(sock.fd, from, out);
        }
      } else if (auto* fin = std::get_if<wire::HandshakeFinish>(&*packet)) {
        if (session && fin->receiver_index == session->local_index()) {
          if (session->state() == link::SessionState::resp_sent) {
            if (!session->on_handshake_finish(now, to_endpoint(from), *fin)) return true;
          }
          // Confirm (again, if the sender lost our first Ping): a fresh counter each time.
          send_to(sock.fd, from, session->seal(now, ping_frame(++ping_id)));
        }
      }
    }
    if (counted) {
      last = Clock::now();
      if (packets == 1) {
        first = last;
        cpu_first = cpu_seconds();
      }
    }
    return true;
  };

  const int batch = opt.batch;
  std::vector<Bytes> bufs(static_cast<std::size_t>(batch), Bytes(2048));
  std::vector<mmsghdr> msgs(static_cast<std::size_t>(batch));
  std::vector<iovec> iovs(static_cast<std::size_t>(batch));
  std::vector<sockaddr_in> froms(static_cast<std::size_t>(batch));
  bool running = true;
  while (running) {
    if (Clock::now() > deadline) break;
    if (packets > 0 && seconds_since(last) > 1.0) break;  // sender gone quiet: end marker lost
    if (batch == 1) {
      socklen_t len = sizeof froms[0];
      const ssize_t n = ::recvfrom(sock.fd, bufs[0].data(), bufs[0].size(), 0,
                                   reinterpret_cast<sockaddr*>(&froms[0]), &len);
      if (n < 0) continue;  // timeout: re-check the deadlines
      running = consume(ByteView(bufs[0]).first(static_cast<std::size_t>(n)), froms[0]);
      continue;
    }
    for (std::size_t i = 0; i < static_cast<std::size_t>(batch); ++i) {
      iovs[i] = iovec{.iov_base = bufs[i].data(), .iov_len = bufs[i].size()};
      msgs[i].msg_hdr = msghdr{};
      msgs[i].msg_hdr.msg_name = &froms[i];
      msgs[i].msg_hdr.msg_namelen = sizeof froms[i];
      msgs[i].msg_hdr.msg_iov = &iovs[i];
      msgs[i].msg_hdr.msg_iovlen = 1;
    }
    const int n = ::recvmmsg(sock.fd, msgs.data(), static_cast<unsigned>(batch), MSG_WAITFORONE, nullptr);
    if (n <= 0) continue;
    for (int i = 0; i < n && running; ++i) {
      const auto k = static_cast<std::size_t>(i);
      running = consume(ByteView(bufs[k]).first(msgs[k].msg_len), froms[k]);
    }
  }
  const double span = packets > 1 ? std::chrono::duration<double>(last - first).count() : 0.0;
  const double cpu = packets > 1 ? cpu_seconds() - cpu_first : 0.0;
  fmt::print("RESULT {} {} {:.6f} {} {:.6f} {} {}\n", packets, bytes, span, dropped, cpu, sock.sndbuf,
             sock.rcvbuf);
  std::fflush(stdout);
  ::close(sock.fd);
  return 0;
}

// ---- sender process: spawns one receiver per slice --------------------------------------

struct Child {
  pid_t pid = -1;
  int out = -1;  // the receiver's stdout
  std::string pending;
};

// Reads one line from the child within `ms`.
std::optional<std::string> read_line(Child& c, int ms) {
  const auto start = Clock::now();
  for (;;) {
    if (auto nl = c.pending.find('\n'); nl != std::string::npos) {
      std::string line = c.pending.substr(0, nl);
      c.pending.erase(0, nl + 1);
      return line;
    }
    const int left = ms - static_cast<int>(seconds_since(start) * 1000);
    if (left <= 0) return std::nullopt;
    pollfd p{.fd = c.out, .events = POLLIN, .revents = 0};
    if (::poll(&p, 1, left) <= 0) continue;
    char buf[512];
    const ssize_t n = ::read(c.out, buf, sizeof buf);
    if (n <= 0) return std::nullopt;
    c.pending.append(buf, static_cast<std::size_t>(n));
  }
}

Child spawn_receiver(const Options& opt, const std::string& mode, double seconds) {
  int fds[2];
  if (::pipe2(fds, O_CLOEXEC) != 0) die_sys("pipe");
  Child c;
  c.pid = ::fork();
  if (c.pid < 0) die_sys("fork");
  if (c.pid == 0) {
    ::dup2(fds[1], STDOUT_FILENO);
    const std::string secs = fmt::format("{}", seconds), buffer = std::to_string(opt.buffer),
                      batch = std::to_string(opt.batch), payload = std::to_string(opt.payload);
    std::vector<const char*> argv = {"bench_udp",    "--role",  "receiver",    "--mode",     mode.c_str(),
                                     "--port",       "0",       "--seconds",   secs.c_str(), "--buffer",
                                     buffer.c_str(), "--batch", batch.c_str(), "--payload",  payload.c_str(),
                                     nullptr};
    // The real path, not /proc/self/exe, so ps and perf name the receiver bench_udp.
    char self[4096] = {};
    const ssize_t n = ::readlink("/proc/self/exe", self, sizeof self - 1);
    ::execv(n > 0 ? self : "/proc/self/exe", const_cast<char* const*>(argv.data()));
    _exit(127);
  }
  ::close(fds[1]);
  c.out = fds[0];
  return c;
}

struct Slice {
  SendStats sent;
  std::uint64_t packets = 0, bytes = 0, dropped = 0;
  double seconds = 0, cpu = 0;
  int sndbuf = 0, rcvbuf = 0, peer_sndbuf = 0, peer_rcvbuf = 0;
};

Slice run_slice(const Options& opt, bool encrypted, double seconds) {
  Child child = spawn_receiver(opt, encrypted ? "encrypted" : "raw", seconds);
  auto port_line = read_line(child, 5000);
  unsigned port = 0;
  if (!port_line || std::sscanf(port_line->c_str(), "PORT %u", &port) != 1 || port == 0 || port > 65535)
    die("receiver did not report its port");
  Socket sock = open_socket(opt, 0);
  const sockaddr_in to = loopback(static_cast<std::uint16_t>(port));

  const Bytes payload(opt.payload, 0x5a);
  Slice r;
  if (!encrypted) {
    r.sent = blast(sock.fd, to, opt, seconds, [&](std::size_t) { return ByteView(payload); });
  } else {
    Peer me(sock.port);
    link::Session session = sender_handshake(me, sock.fd, to);
    std::vector<Bytes> slots(static_cast<std::size_t>(opt.batch));
    Bytes frame;
    std::uint64_t id = 0;
    r.sent = blast(sock.fd, to, opt, seconds, [&](std::size_t slot) {
      frame.clear();
      wire::append_tlv(frame, wire::Message{.id = ++id,
                                            .type = wire::MessageType::notification,
                                            .priority = wire::Priority::medium,
                                            .payload = payload});
      slots[slot] = session.seal(runtime::monotonic_now(), frame);
      return ByteView(slots[slot]);
    });
  }
  // End markers until the receiver answers (it drains its buffer first).
  std::optional<std::string> result;
  const std::uint8_t end = kEndMarker;
  for (int i = 0; i < 100 && !result; ++i) {
    send_to(sock.fd, to, ByteView(&end, 1));
    result = read_line(child, 50);
  }
  if (!result) {
    ::kill(child.pid, SIGKILL);  // only our own child, by pid
  }
  int status = 0;
  ::waitpid(child.pid, &status, 0);
  ::close(child.out);
  ::close(sock.fd);
  if (!result || std::sscanf(result->c_str(), "RESULT %lu %lu %lf %lu %lf %d %d", &r.packets, &r.bytes,
                             &r.seconds, &r.dropped, &r.cpu, &r.peer_sndbuf, &r.peer_rcvbuf) != 7) {
    die("receiver gave no result");
  }
  r.sndbuf = sock.sndbuf;
  r.rcvbuf = sock.rcvbuf;
  return r;
}

struct Totals {
  std::uint64_t packets = 0, bytes = 0, sent = 0, dropped = 0;
  double seconds = 0, cpu = 0, sent_seconds = 0, sent_cpu = 0;
  std::vector<double> round_mbps;

  void add(const Slice& s) {
    packets += s.packets;
    bytes += s.bytes;
    sent += s.sent.packets;
    dropped += s.dropped;
    seconds += s.seconds;
    cpu += s.cpu;
    sent_seconds += s.sent.seconds;
    sent_cpu += s.sent.cpu;
    round_mbps.push_back(s.seconds > 0 ? static_cast<double>(s.bytes) / s.seconds / 1e6 : 0.0);
  }
  double mbps() const { return seconds > 0 ? static_cast<double>(bytes) / seconds / 1e6 : 0.0; }
  double pps() const { return seconds > 0 ? static_cast<double>(packets) / seconds : 0.0; }
  double sent_pps() const { return sent_seconds > 0 ? static_cast<double>(sent) / sent_seconds : 0.0; }
  double loss() const {
    return sent > 0 ? 1.0 - static_cast<double>(packets) / static_cast<double>(sent) : 0.0;
  }
  double send_us_per_packet() const { return sent > 0 ? sent_cpu / static_cast<double>(sent) * 1e6 : 0.0; }
  double recv_us_per_packet() const { return packets > 0 ? cpu / static_cast<double>(packets) * 1e6 : 0.0; }

  std::string json() const {
    std::string rounds;
    for (double m : round_mbps) rounds += fmt::format("{}{:.3f}", rounds.empty() ? "" : ", ", m);
    return fmt::format(
        "{{\"mbps\": {:.3f}, \"packets_per_s\": {:.1f}, \"sent_packets_per_s\": {:.1f}, \"loss\": {:.5f}, "
        "\"received_packets\": {}, \"sent_packets\": {}, \"dropped_by_receiver\": {}, "
        "\"sender_cpu_us_per_packet\": {:.3f}, \"receiver_cpu_us_per_packet\": {:.3f}, \"round_mbps\": "
        "[{}]}}",
        mbps(), pps(), sent_pps(), loss(), packets, sent, dropped, send_us_per_packet(), recv_us_per_packet(),
        rounds);
  }
};

int sender_main(const Options& opt) {
  if (opt.batch < 1 || opt.batch > kMaxBatch) die("--batch must be 1..64");
  if (opt.payload < 2 || opt.payload > wire::kMaxMessagePayload) die("--payload must be 2..1200");
  if (opt.rounds < 1 || opt.seconds <= 0) die("--rounds and --seconds must be positive");
  if (!opt.only.empty() && opt.only != "raw" && opt.only != "encrypted")
    die("--only must be raw or encrypted");
  const double slice = opt.seconds / opt.rounds;
  Totals raw, enc;
  Slice last{};
  for (int round = 0; round < opt.rounds; ++round) {
    if (opt.only != "encrypted") {
      last = run_slice(opt, false, slice);
      raw.add(last);
    }
    if (opt.only != "raw") {
      last = run_slice(opt, true, slice);
      enc.add(last);
    }
  }
  const double ratio_mbps = raw.mbps() > 0 ? enc.mbps() / raw.mbps() : 0.0;
  const double ratio_pps = raw.pps() > 0 ? enc.pps() / raw.pps() : 0.0;

  fmt::print(
      "bench_udp: 127.0.0.1, {}-byte payloads, {} x {:.2f} s per mode, batch {}, SO_SNDBUF {} SO_RCVBUF {}\n",
      opt.payload, opt.rounds, slice, opt.batch, last.sndbuf, last.peer_rcvbuf);
  fmt::print("  {:<10} {:>10} {:>12} {:>12} {:>8} {:>14} {:>14}\n", "mode", "MB/s", "recv pkt/s",
             "sent pkt/s", "loss", "send us/pkt", "recv us/pkt");
  for (auto [name, t] : {std::pair<const char*, const Totals*>{"raw", &raw}, {"encrypted", &enc}}) {
    fmt::print("  {:<10} {:>10.1f} {:>12.0f} {:>12.0f} {:>7.1f}% {:>14.2f} {:>14.2f}\n", name, t->mbps(),
               t->pps(), t->sent_pps(), t->loss() * 100, t->send_us_per_packet(), t->recv_us_per_packet());
  }
  fmt::print("  encrypted / raw: {:.3f} (MB/s), {:.3f} (packets/s); goal >= 0.9\n", ratio_mbps, ratio_pps);

  if (!opt.json.empty()) {
    const std::string doc = fmt::format(
        "{{\n  \"payload_bytes\": {},\n  \"seconds_per_mode\": {},\n  \"rounds\": {},\n  \"batch\": {},\n"
        "  \"sndbuf\": {},\n  \"rcvbuf\": {},\n  \"raw\": {},\n  \"encrypted\": {},\n"
        "  \"ratio_mbps\": {:.4f},\n  \"ratio_packets_per_s\": {:.4f}\n}}\n",
        opt.payload, opt.seconds, opt.rounds, opt.batch, last.sndbuf, last.peer_rcvbuf, raw.json(),
        enc.json(), ratio_mbps, ratio_pps);
    std::FILE* f = std::fopen(opt.json.c_str(), "w");
    if (f == nullptr) die_sys("open " + opt.json);
    std::fputs(doc.c_str(), f);
    std::fclose(f);
  }
  return 0;
}

Options parse(int argc, char** argv) {
  Options o;
  auto need = [&](int& i) -> std::string {
    if (i + 1 >= argc) die(fmt::format("{} needs a value", argv[i]));
    return argv[++i];
  };
  try {
    for (int i = 1; i < argc; ++i) {
      const std::string_view a = argv[i];
      if (a == "--role")
        o.role = need(i);
      else if (a == "--mode")
        o.mode = need(i);
      else if (a == "--seconds")
        o.seconds = std::stod(need(i));
      else if (a == "--rounds")
        o.rounds = std::stoi(need(i));
      else if (a == "--port")
        o.port = static_cast<std::uint16_t>(std::stoul(need(i)));
      else if (a == "--buffer")
        o.buffer = std::stoi(need(i));
      else if (a == "--batch")
        o.batch = std::stoi(need(i));
      else if (a == "--payload")
        o.payload = std::stoul(need(i));
      else if (a == "--json")
        o.json = need(i);
      else if (a == "--only")
        o.only = need(i);
      else if (a == "--help" || a == "-h") {
        fmt::print(
            "usage: bench_udp [--seconds S] [--rounds R] [--batch N] [--buffer BYTES] [--payload N] [--json "
            "OUT]\n"
            "  Measures one-way UDP throughput on 127.0.0.1 between this process and a receiver it\n"
            "  spawns: raw datagrams vs. link::Session-encrypted Message frames, alternating R rounds\n"
            "  (S seconds per mode in total). --batch N > 1 uses sendmmsg/recvmmsg for both modes.\n"
            "  --only raw|encrypted runs one mode (for profiling).\n");
        std::exit(0);
      } else {
        die(fmt::format("unknown argument {} (try --help)", a));
      }
    }
  } catch (const std::exception&) {
    die("bad number in arguments");
  }
  return o;
}

}  // namespace

int main(int argc, char** argv) {
  ::signal(SIGPIPE, SIG_IGN);
  const Options opt = parse(argc, argv);
  if (opt.role == "receiver") return receiver_main(opt);
  if (opt.role != "sender") die("--role must be sender or receiver");
  return sender_main(opt);
}
