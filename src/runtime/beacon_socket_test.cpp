// Goal: a BeaconSocket sends a beacon over loopback and hands what it
// receives to its callback with the sender's address. Needs only the
// loopback interface; the namespace (real LAN) test belongs to the node
// runner's tests. Method: one socket on an ephemeral port hears itself.
#include "runtime/beacon_socket.hpp"

#include <gtest/gtest.h>

#include <boost/asio/steady_timer.hpp>
#include <chrono>

namespace hyphae::runtime {
namespace {

TEST(BeaconSocket, HearsItsOwnBeaconOverLoopback) {
  boost::asio::io_context io;
  std::vector<std::pair<Endpoint, Bytes>> heard;
  BeaconSocket socket(io, {.port = 0, .include_loopback = true},
                      [&](const Endpoint& from, ByteView datagram) {
                        heard.emplace_back(from, Bytes(datagram.begin(), datagram.end()));
                        io.stop();
                      });
  ASSERT_NE(socket.port(), 0);
  socket.start();
  const Bytes beacon(discovery::kBeaconSize, 0x5a);
  // 255.255.255.255 may have no route in a sandbox; loopback must work.
  EXPECT_GE(socket.send(beacon), 1u);
  boost::asio::steady_timer timeout(io, std::chrono::seconds(5));
  timeout.async_wait([&](const boost::system::error_code&) { io.stop(); });
  io.run();
  ASSERT_FALSE(heard.empty()) << "nothing received within 5 s";
  EXPECT_EQ(heard[0].second, beacon);
  EXPECT_EQ(heard[0].first.port, socket.port());  // sent from the beacon socket itself
  socket.stop();
}

TEST(BeaconSocket, OversizedDatagramArrivesLongerThanABeacon) {
  boost::asio::io_context io;
  std::size_t size = 0;
  BeaconSocket socket(io, {.port = 0, .include_loopback = true, .ipv6 = false},
                      [&](const Endpoint&, ByteView datagram) {
                        size = datagram.size();
                        io.stop();
                      });
  socket.start();
  socket.send(Bytes(1000, 1));
  boost::asio::steady_timer timeout(io, std::chrono::seconds(5));
  timeout.async_wait([&](const boost::system::error_code&) { io.stop(); });
  io.run();
  // Truncated to one byte over, so the core counts it as bad_length.
  EXPECT_EQ(size, discovery::kBeaconSize + 1);
}

}  // namespace
}  // namespace hyphae::runtime
