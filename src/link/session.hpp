// One authenticated, encrypted session with one neighbour: a Noise XX (or
// XXpsk3) handshake followed by transport packets. Sans-IO: the owner (node/)
// feeds it decoded packets with `now`, and sends the datagrams it returns.
//
// Life of a session (states named after facts, as in wireguard-go):
//   initiator: init_sent --(resp read, finish sent)--> awaiting_confirmation
//              --(first authentic transport packet)--> established
//   responder: resp_sent --(finish read)--> established
// The initiator waits for a transport packet before it trusts the session: with
// XXpsk3 a responder holding a different PSK only fails at the third message,
// which the initiator cannot see. The responder therefore sends a Ping as soon
// as it reads the finish message.
#pragma once

#include <array>
#include <cstdint>
#include <optional>

#include "base/bytes.hpp"
#include "base/endpoint.hpp"
#include "base/result.hpp"
#include "base/time.hpp"
#include "crypto/identity.hpp"
#include "crypto/key_source.hpp"
#include "crypto/noise.hpp"
#include "crypto/transport.hpp"
#include "link/rtt_estimator.hpp"
#include "wire/drop.hpp"
#include "wire/packet.hpp"

namespace hyphae::link {

using NetworkPsk = std::array<std::uint8_t, 32>;

// What every session of a node shares. References must outlive the sessions.
struct SessionContext {
  const crypto::Identity& identity;
  crypto::KeySource& keys;
  std::optional<NetworkPsk> network_psk;
  std::uint16_t mesh_port = 0;  // told to the peer in the Hello TLV
};

enum class SessionState : std::uint8_t { init_sent, resp_sent, awaiting_confirmation, established };
std::string_view name(SessionState s);

// Prologue bound into every handshake: a peer speaking another protocol or
// version fails the handshake instead of half-working.
inline constexpr std::string_view kPrologue = "hyphae/1";

class Session {
 public:
  // Initiator: writes the first handshake datagram into `datagram`.
  static Session initiate(const SessionContext& ctx, Instant now, Endpoint remote, std::uint32_t local_index,
                          Bytes& datagram);
  // Responder: reads message 1, writes message 2 into `datagram`.
  static Result<Session, wire::Drop> accept(const SessionContext& ctx, Instant now, Endpoint from,
                                            std::uint32_t local_index, const wire::HandshakeInit& init,
                                            Bytes& datagram);

  // Initiator: reads message 2, writes message 3 into `datagram`.
  Result<void, wire::Drop> on_handshake_resp(Instant now, Endpoint from, const wire::HandshakeResp& resp,
                                             Bytes& datagram);
  // Responder: reads message 3; the session is established when it returns.
  Result<void, wire::Drop> on_handshake_finish(Instant now, Endpoint from, const wire::HandshakeFinish& fin);
  // Authenticates and decrypts a transport packet into `plaintext`, resized
  // to fit: reuse one buffer (not the datagram's own) and steady state
  // allocates nothing. On failure `plaintext` is empty. Confirms an
  // initiator's session; follows the peer to a new address (roaming).
  Result<void, wire::Drop> on_transport(Instant now, Endpoint from, const wire::Transport& packet,
                                        Bytes& plaintext);
  // Encrypts one frame of TLVs into a whole datagram. Asserts the session has keys.
  Bytes seal(Instant now, ByteView plaintext);

  SessionState state() const { return state_; }
  bool has_transport_keys() const { return transport_.has_value(); }
  bool is_initiator() const { return initiator_; }
  std::uint32_t local_index() const { return local_index_; }
  std::uint32_t remote_index() const { return remote_index_; }
  Endpoint remote() const { return remote_; }
  std::optional<crypto::NodeId> remote_id() const { return remote_id_; }
  // The peer's static X25519 key, once the handshake proved it.
  std::optional<crypto::PublicKey> remote_static() const { return remote_static_; }
  std::uint16_t remote_mesh_port() const { return remote_mesh_port_; }
  Instant created_at() const { return created_at_; }
  std::optional<Instant> established_at() const { return established_at_; }
  Instant last_received() const { return last_received_; }
  Instant last_sent() const { return last_sent_; }
  bool exhausted() const;  // too many messages sealed: the node must rekey

  RttEstimator& rtt() { return rtt_; }
  const RttEstimator& rtt() const { return rtt_; }

 private:
  Session(Endpoint remote, std::uint32_t local_index, bool initiator, Instant now, crypto::HandshakeState hs);
  Result<void, wire::Drop> finish_handshake(Instant now);

  Endpoint remote_;
  std::uint32_t local_index_;
  std::uint32_t remote_index_ = 0;
  bool initiator_;
  SessionState state_;
  std::optional<crypto::HandshakeState> handshake_;
  std::optional<crypto::TransportCipher> transport_;
  std::optional<crypto::NodeId> remote_id_;
  std::optional<crypto::PublicKey> remote_static_;
  std::uint16_t remote_mesh_port_ = 0;
  Instant created_at_;
  std::optional<Instant> established_at_;
  Instant last_received_;
  Instant last_sent_;
  RttEstimator rtt_;
  Bytes hello_;  // initiator: the payload of message 3, kept until it is sent
};

}  // namespace hyphae::link
