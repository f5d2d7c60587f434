#include "runtime/node_runner.hpp"

#include <boost/asio/ip/v6_only.hpp>
#include <boost/asio/socket_base.hpp>
#include <chrono>

#include "runtime/asio_endpoint.hpp"
#include "runtime/clock.hpp"
#include "wire/packet.hpp"

namespace hyphae::runtime {
namespace asio = boost::asio;
using asio::ip::udp;

namespace {
// Room for one datagram beyond the protocol's limit, so an oversized one is
// seen (and counted) as oversized rather than silently truncated.
constexpr std::size_t kReceiveBuffer = wire::kMaxDatagram + 1;
// Datagrams read per wake-up before the node is drained and the timer re-armed.
constexpr int kReceiveBatch = 64;
}  // namespace

udp::socket open_udp_socket(asio::io_context& io, const udp::endpoint& bind) {
  udp::socket socket(io, bind.protocol());
  if (bind.address().is_v6()) socket.set_option(asio::ip::v6_only(false));
  socket.set_option(asio::socket_base::reuse_address(false));
  socket.set_option(asio::socket_base::receive_buffer_size(4 << 20));
  socket.set_option(asio::socket_base::send_buffer_size(4 << 20));
  socket.bind(bind);
  socket.non_blocking(true);
  return socket;
}

NodeRunner::NodeRunner(asio::io_context& io, node::Node& node, udp::socket socket, EventHandler on_event)
    : io_(io),
      node_(node),
      socket_(std::move(socket)),
      socket_is_v6_(socket_.local_endpoint().address().is_v6()),
      timer_(io),
      on_event_(std::move(on_event)),
      buffer_(kReceiveBuffer) {}

Instant NodeRunner::now() const { return monotonic_now(); }

void NodeRunner::start() {
  receive();
  drain();
}

void NodeRunner::stop() {
  stopped_ = true;
  boost::system::error_code ec;
  timer_.cancel();
  socket_.close(ec);
}

void NodeRunner::receive() {
  socket_.async_wait(udp::socket::wait_read, [this](const boost::system::error_code& ec) {
    if (ec || stopped_) return;
    // Read everything already queued, then drain once: fewer timer re-arms under load.
    for (int i = 0; i < kReceiveBatch; ++i) {
      boost::system::error_code rec;
      const std::size_t n = socket_.receive_from(asio::buffer(buffer_), sender_, 0, rec);
      if (rec) break;  // would_block: queue empty; ICMP errors are not the node's business
      const ByteView datagram(buffer_.data(), n);
      const Endpoint from = from_asio(sender_);
      if (tap_) tap_(false, from, datagram);
      node_.on_datagram(now(), from, datagram);
    }
    drain();
    receive();
  });
}

void NodeRunner::drain() {
  if (stopped_) return;
  // Events before transmits: the handler persists a received message (inbox
  // fsync) before its acknowledgement leaves, so a crash between the two
  // makes the sender retransmit instead of losing an acknowledged message.
  // The handler must not call back into the node.
  while (auto e = node_.poll_event()) {
    if (on_event_) on_event_(*e);
  }
  while (auto t = node_.poll_transmit()) {
    if (tap_) tap_(true, t->to, t->data);
    boost::system::error_code ec;
    socket_.send_to(asio::buffer(t->data), to_asio(t->to, socket_is_v6_), 0, ec);
    if (ec) send_errors_ += 1;  // a full socket buffer is loss, as on the wire; retransmits cover it
  }
  rearm();
}

void NodeRunner::rearm() {
  // Always re-read the deadline (quinn#587): an earlier one may have appeared.
  const auto deadline = node_.poll_deadline();
  if (deadline == armed_for_) return;
  armed_for_ = deadline;
  if (!deadline) {
    timer_.cancel();
    return;
  }
  const Duration wait = *deadline - now();
  timer_.expires_after(std::chrono::nanoseconds(std::max<std::int64_t>(wait.ns, 0)));
  timer_.async_wait([this](const boost::system::error_code& ec) {
    if (ec || stopped_) return;
    armed_for_.reset();
    node_.on_tick(now());
    drain();
  });
}

}  // namespace hyphae::runtime
