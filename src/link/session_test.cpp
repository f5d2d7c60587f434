// Drives two Sessions through the handshake by hand, without a Node, to pin
// the state machine: who is confirmed when, and what each bad input does.
#include "link/session.hpp"

#include <gtest/gtest.h>

#include "wire/tlv.hpp"

namespace hyphae::link {
namespace {

struct Side {
  explicit Side(std::uint64_t seed, std::optional<NetworkPsk> psk = std::nullopt)
      : keys(seed),
        identity(crypto::Identity::generate(keys)),
        ctx{.identity = identity, .keys = keys, .network_psk = psk, .mesh_port = 9900} {}
  crypto::SeededKeySource keys;
  crypto::Identity identity;
  SessionContext ctx;
};

const Endpoint kA = *Endpoint::parse("10.0.0.1:9900");
const Endpoint kB = *Endpoint::parse("10.0.0.2:9900");
const Instant t0{1'000'000'000};

template <class P>
P decode_as(const Bytes& datagram) {
  auto p = wire::decode_packet(datagram);
  EXPECT_TRUE(p.has_value());
  return std::get<P>(*p);
}

// Runs the whole XX handshake: `a` initiates (index 11), `b` responds (index 22).
std::pair<Session, Session> handshake(const Side& a, const Side& b) {
  Bytes m1, m2, m3;
  Session ia = Session::initiate(a.ctx, t0, kB, 11, m1);
  auto rb = Session::accept(b.ctx, t0, kA, 22, decode_as<wire::HandshakeInit>(m1), m2);
  EXPECT_TRUE(rb.has_value());
  EXPECT_TRUE(ia.on_handshake_resp(t0, kB, decode_as<wire::HandshakeResp>(m2), m3));
  EXPECT_TRUE(rb->on_handshake_finish(t0, kA, decode_as<wire::HandshakeFinish>(m3)));
  return {std::move(ia), std::move(*rb)};
}

TEST(Session, XxHandshakeConfirmsResponderOnFinishAndInitiatorOnFirstTransport) {
  Side a{1}, b{2};
  Bytes m1, m2, m3;
  Session ia = Session::initiate(a.ctx, t0, kB, 11, m1);
  EXPECT_EQ(ia.state(), SessionState::init_sent);
  auto rb = Session::accept(b.ctx, t0, kA, 22, decode_as<wire::HandshakeInit>(m1), m2);
  ASSERT_TRUE(rb.has_value());
  EXPECT_EQ(rb->state(), SessionState::resp_sent);
  ASSERT_TRUE(ia.on_handshake_resp(t0, kB, decode_as<wire::HandshakeResp>(m2), m3));
  EXPECT_EQ(ia.state(), SessionState::awaiting_confirmation);
  EXPECT_EQ(ia.remote_id(), b.identity.id);
  ASSERT_TRUE(rb->on_handshake_finish(t0, kA, decode_as<wire::HandshakeFinish>(m3)));
  EXPECT_EQ(rb->state(), SessionState::established);
  EXPECT_EQ(rb->remote_id(), a.identity.id);
  EXPECT_EQ(rb->remote_mesh_port(), 9900);

  Bytes frame;
  wire::append_tlv(frame, wire::Ping{.ping_id = 7});
  Bytes sealed = rb->seal(t0, frame);
  Bytes plain;
  ASSERT_TRUE(ia.on_transport(t0, kB, decode_as<wire::Transport>(sealed), plain));
  EXPECT_EQ(plain, frame);
  EXPECT_EQ(ia.state(), SessionState::established);

  // The same datagram again is a replay.
  auto again = ia.on_transport(t0, kB, decode_as<wire::Transport>(sealed), plain);
  ASSERT_FALSE(again);
  EXPECT_EQ(again.error(), wire::Drop::replayed);
}

TEST(Session, WrongNetworkPskFailsAtTheResponder) {
  NetworkPsk psk1{}, psk2{};
  psk1.fill(1);
  psk2.fill(2);
  Side a{1, psk1}, b{2, psk2};
  Bytes m1, m2, m3;
  Session ia = Session::initiate(a.ctx, t0, kB, 11, m1);
  auto rb = Session::accept(b.ctx, t0, kA, 22, decode_as<wire::HandshakeInit>(m1), m2);
  ASSERT_TRUE(rb.has_value());
  ASSERT_TRUE(ia.on_handshake_resp(t0, kB, decode_as<wire::HandshakeResp>(m2), m3));
  auto fin = rb->on_handshake_finish(t0, kA, decode_as<wire::HandshakeFinish>(m3));
  ASSERT_FALSE(fin);
  EXPECT_EQ(fin.error(), wire::Drop::handshake_failed);
  // The initiator never gets its confirmation.
  EXPECT_EQ(ia.state(), SessionState::awaiting_confirmation);
}

TEST(Session, TamperedTransportIsBadAuthAndDoesNotMoveTheSession) {
  Side a{1}, b{2};
  auto [ia, rb] = handshake(a, b);
  Bytes frame;
  wire::append_tlv(frame, wire::Ping{.ping_id = 1});
  Bytes sealed = ia.seal(t0, frame);
  sealed.back() ^= 1;
  Bytes plain;
  const Endpoint attacker = *Endpoint::parse("10.9.9.9:1");
  auto r = rb.on_transport(t0, attacker, decode_as<wire::Transport>(sealed), plain);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error(), wire::Drop::bad_auth);
  EXPECT_EQ(rb.remote(), kA);  // roaming follows only authentic packets
}

TEST(Session, SealWritesTheHeaderAndTransportReusesTheCallersBuffer) {
  Side a{1}, b{2};
  auto [ia, rb] = handshake(a, b);
  const Bytes big(1000, 0x5a), small(10, 0xa5);
  const Bytes d1 = ia.seal(t0, big), d2 = ia.seal(t0, small);
  // Whole datagrams: the header (our peer's index, the counter), then ciphertext || tag.
  EXPECT_EQ(d1.size(), wire::kTransportHeaderSize + big.size() + wire::kAeadTagSize);
  const auto t2 = decode_as<wire::Transport>(d2);
  EXPECT_EQ(t2.receiver_index, 22u);
  EXPECT_EQ(t2.counter, 1u);
  // The node's pattern: one buffer for every packet; after the first, no reallocation.
  Bytes plain;
  ASSERT_TRUE(rb.on_transport(t0, kA, decode_as<wire::Transport>(d1), plain));
  EXPECT_EQ(plain, big);
  const auto* storage = plain.data();
  ASSERT_TRUE(rb.on_transport(t0, kA, t2, plain));
  EXPECT_EQ(plain, small);
  EXPECT_EQ(plain.data(), storage);
  // A replay leaves it empty rather than holding the last plaintext.
  EXPECT_FALSE(rb.on_transport(t0, kA, t2, plain));
  EXPECT_TRUE(plain.empty());
}

TEST(Session, ForgedResponseFailsTheHandshake) {
  Side a{1};
  Bytes m1, m3;
  Session ia = Session::initiate(a.ctx, t0, kB, 11, m1);
  const Bytes junk(80, 0x42);
  auto r = ia.on_handshake_resp(
      t0, kB, wire::HandshakeResp{.sender_index = 5, .receiver_index = 11, .noise = junk}, m3);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error(), wire::Drop::handshake_failed);
}

// Found by fuzz_node_datagram: message 1 with an all-zero (low-order)
// ephemeral key reads fine, but the DH in message 2 yields zero.
TEST(Session, LowOrderEphemeralIsAHandshakeFailureNotACrash) {
  Side b{2};
  const Bytes zero_ephemeral(32, 0);
  Bytes m2;
  auto r =
      Session::accept(b.ctx, t0, kA, 22, wire::HandshakeInit{.sender_index = 1, .noise = zero_ephemeral}, m2);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error(), wire::Drop::handshake_failed);
  EXPECT_TRUE(m2.empty());
}

}  // namespace
}  // namespace hyphae::link
