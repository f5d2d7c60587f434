// Micro-benchmarks of the per-handshake and per-packet CPU cost (issue 3):
//
//   noise/*        a full 3-message Noise handshake between two HandshakeStates
//                  on ONE core (both sides' work), split included.
//   session/*      the same through link::Session (what the mesh runs: wire
//                  encoding, Hello payloads, NodeId derivation).
//   transport/*    TransportCipher seal/open of 1200-byte payloads.
//   wire/*         decode_packet + decode_tlvs of a frame holding one Message.
//   baseline/*     libsodium alone: the floor each figure above is compared to.
//
// bench/run turns the JSON output into the table in bench/README.md.
#include <benchmark/benchmark.h>
#include <sodium.h>

#include <array>
#include <cstdint>
#include <cstring>
#include <optional>
#include <string>
#include <variant>
#include <vector>

#include "base/assert.hpp"
#include "base/bytes.hpp"
#include "base/endpoint.hpp"
#include "base/time.hpp"
#include "crypto/identity.hpp"
#include "crypto/key_source.hpp"
#include "crypto/noise.hpp"
#include "crypto/transport.hpp"
#include "link/session.hpp"
#include "wire/packet.hpp"
#include "wire/tlv.hpp"

namespace {

using namespace hyphae;

constexpr std::size_t kPayload = 1200;

crypto::SodiumKeySource& sodium_keys() {
  static crypto::SodiumKeySource keys;  // also runs sodium_init()
  return keys;
}

// Noise handshakes -----------------------------------------------------------

void run_handshake(benchmark::State& state, const char* protocol, bool psk) {
  auto& keys = sodium_keys();
  const auto alice = crypto::KeyPair::generate(keys);
  const auto bob = crypto::KeyPair::generate(keys);
  crypto::Psk network_psk{};
  keys.fill(network_psk);
  const Bytes prologue{'h', 'y', 'p', 'h', 'a', 'e', '/', '1'};
  for (auto _ : state) {
    crypto::HandshakeConfig ic{
        .protocol_name = protocol, .initiator = true, .prologue = prologue, .s = alice, .keys = &keys};
    crypto::HandshakeConfig rc{
        .protocol_name = protocol, .initiator = false, .prologue = prologue, .s = bob, .keys = &keys};
    if (psk) {
      ic.psks.push_back(network_psk);
      rc.psks.push_back(network_psk);
    }
    auto init = crypto::HandshakeState::create(std::move(ic));
    auto resp = crypto::HandshakeState::create(std::move(rc));
    HYPHAE_ASSERT(init && resp);
    auto m1 = init->write_message({});
    HYPHAE_ASSERT(m1 && resp->read_message(*m1));
    auto m2 = resp->write_message({});
    HYPHAE_ASSERT(m2 && init->read_message(*m2));
    auto m3 = init->write_message({});
    HYPHAE_ASSERT(m3 && resp->read_message(*m3));
    HYPHAE_ASSERT(init->is_finished() && resp->is_finished());
    auto a = crypto::TransportCipher::from_handshake(*init);
    auto b = crypto::TransportCipher::from_handshake(*resp);
    benchmark::DoNotOptimize(a);
    benchmark::DoNotOptimize(b);
  }
  state.counters["handshakes_per_s"] =
      benchmark::Counter(static_cast<double>(state.iterations()), benchmark::Counter::kIsRate);
}

void BM_NoiseXX(benchmark::State& state) { run_handshake(state, "Noise_XX_25519_ChaChaPoly_BLAKE2b", false); }
void BM_NoiseXXpsk3(benchmark::State& state) {
  run_handshake(state, "Noise_XXpsk3_25519_ChaChaPoly_BLAKE2b", true);
}
BENCHMARK(BM_NoiseXX)->Name("noise/xx_handshake");
BENCHMARK(BM_NoiseXXpsk3)->Name("noise/xxpsk3_handshake");

// Baseline: X25519 alone. A full XX handshake (both sides) computes 6 DH
// (ee, es, se on each side) and 2 fixed-base multiplications (the ephemeral
// public keys); bench/run turns these two rates into the handshakes/s a
// handshake would reach if X25519 were its only cost.
void BM_X25519(benchmark::State& state) {
  auto& keys = sodium_keys();
  std::array<std::uint8_t, 32> sk{}, pk{}, shared{};
  keys.fill(sk);
  crypto_scalarmult_base(pk.data(), sk.data());
  for (auto _ : state) {
    benchmark::DoNotOptimize(crypto_scalarmult(shared.data(), sk.data(), pk.data()));
    benchmark::ClobberMemory();
  }
  state.counters["dh_per_s"] =
      benchmark::Counter(static_cast<double>(state.iterations()), benchmark::Counter::kIsRate);
}
BENCHMARK(BM_X25519)->Name("baseline/x25519");

void BM_X25519Base(benchmark::State& state) {
  auto& keys = sodium_keys();
  std::array<std::uint8_t, 32> sk{}, pk{};
  keys.fill(sk);
  for (auto _ : state) {
    benchmark::DoNotOptimize(crypto_scalarmult_base(pk.data(), sk.data()));
    benchmark::ClobberMemory();
  }
  state.counters["dh_per_s"] =
      benchmark::Counter(static_cast<double>(state.iterations()), benchmark::Counter::kIsRate);
}
BENCHMARK(BM_X25519Base)->Name("baseline/x25519_base");

// link::Session: the mesh's handshake and packet path ------------------------

struct SessionPair {
  crypto::Identity alice_id;
  crypto::Identity bob_id;
  link::SessionContext alice_ctx;
  link::SessionContext bob_ctx;
  std::optional<link::Session> alice;  // initiator
  std::optional<link::Session> bob;    // responder

  explicit SessionPair(std::optional<link::NetworkPsk> psk)
      : alice_id(crypto::Identity::generate(sodium_keys())),
        bob_id(crypto::Identity::generate(sodium_keys())),
        alice_ctx{.identity = alice_id, .keys = sodium_keys(), .network_psk = psk, .mesh_port = 9900},
        bob_ctx{.identity = bob_id, .keys = sodium_keys(), .network_psk = psk, .mesh_port = 9910} {}

  static constexpr Endpoint alice_ep() { return Endpoint{.ip = {}, .port = 1}; }
  static constexpr Endpoint bob_ep() { return Endpoint{.ip = {}, .port = 2}; }

  // Runs a whole handshake through the wire codec, as the node does.
  void handshake() {
    const Instant now{1};
    Bytes d1, d2, d3;
    alice.emplace(link::Session::initiate(alice_ctx, now, bob_ep(), 1, d1));
    auto p1 = wire::decode_packet(d1);
    HYPHAE_ASSERT(p1 && std::holds_alternative<wire::HandshakeInit>(*p1));
    auto b = link::Session::accept(bob_ctx, now, alice_ep(), 2, std::get<wire::HandshakeInit>(*p1), d2);
    HYPHAE_ASSERT(b.has_value());
    bob.emplace(std::move(*b));
    auto p2 = wire::decode_packet(d2);
    HYPHAE_ASSERT(p2 && std::holds_alternative<wire::HandshakeResp>(*p2));
    HYPHAE_ASSERT(alice->on_handshake_resp(now, bob_ep(), std::get<wire::HandshakeResp>(*p2), d3));
    auto p3 = wire::decode_packet(d3);
    HYPHAE_ASSERT(p3 && std::holds_alternative<wire::HandshakeFinish>(*p3));
    HYPHAE_ASSERT(bob->on_handshake_finish(now, alice_ep(), std::get<wire::HandshakeFinish>(*p3)));
  }
};

void run_session_handshake(benchmark::State& state, std::optional<link::NetworkPsk> psk) {
  SessionPair pair(psk);
  for (auto _ : state) {
    pair.handshake();
    benchmark::DoNotOptimize(pair.bob->has_transport_keys());
  }
  state.counters["handshakes_per_s"] =
      benchmark::Counter(static_cast<double>(state.iterations()), benchmark::Counter::kIsRate);
}
void BM_SessionXX(benchmark::State& state) { run_session_handshake(state, std::nullopt); }
void BM_SessionXXpsk3(benchmark::State& state) {
  link::NetworkPsk psk{};
  sodium_keys().fill(psk);
  run_session_handshake(state, psk);
}
BENCHMARK(BM_SessionXX)->Name("session/xx_handshake");
BENCHMARK(BM_SessionXXpsk3)->Name("session/xxpsk3_handshake");

Bytes message_frame(std::uint64_t id, ByteView payload) {
  Bytes frame;
  wire::append_tlv(frame, wire::Message{.id = id,
                                        .type = wire::MessageType::notification,
                                        .priority = wire::Priority::medium,
                                        .payload = payload});
  return frame;
}

void set_payload_rate(benchmark::State& state) {
  state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations() * kPayload));
  state.counters["packets_per_s"] =
      benchmark::Counter(static_cast<double>(state.iterations()), benchmark::Counter::kIsRate);
}

// Sender hot path: one Message TLV with a 1200-byte payload -> whole datagram.
void BM_SessionSeal(benchmark::State& state) {
  SessionPair pair(std::nullopt);
  pair.handshake();
  const Bytes payload(kPayload, 0x5a);
  std::uint64_t id = 0;
  Bytes frame;
  for (auto _ : state) {
    frame.clear();
    wire::append_tlv(frame, wire::Message{.id = ++id,
                                          .type = wire::MessageType::notification,
                                          .priority = wire::Priority::medium,
                                          .payload = payload});
    Bytes datagram = pair.alice->seal(Instant{2}, frame);
    benchmark::DoNotOptimize(datagram.data());
  }
  set_payload_rate(state);
}
BENCHMARK(BM_SessionSeal)->Name("session/seal_message_1200");

// Receiver hot path: decode_packet + Session::on_transport + decode_tlvs.
void BM_SessionOpen(benchmark::State& state) {
  SessionPair pair(std::nullopt);
  const Bytes payload(kPayload, 0x5a);
  constexpr std::size_t kBatch = 4096;
  std::vector<Bytes> datagrams;
  std::size_t next = kBatch;
  Bytes plaintext;
  wire::TlvArray tlvs;
  for (auto _ : state) {
    if (next == kBatch) {  // fresh session: the replay window forbids reopening a counter
      state.PauseTiming();
      pair.handshake();
      datagrams.clear();
      for (std::size_t i = 0; i < kBatch; ++i)
        datagrams.push_back(pair.alice->seal(Instant{2}, message_frame(i, payload)));
      next = 0;
      state.ResumeTiming();
    }
    auto packet = wire::decode_packet(datagrams[next++]);
    HYPHAE_ASSERT(packet && std::holds_alternative<wire::Transport>(*packet));
    auto ok = pair.bob->on_transport(Instant{3}, SessionPair::alice_ep(), std::get<wire::Transport>(*packet),
                                     plaintext);
    HYPHAE_ASSERT(ok.has_value());
    auto n = wire::decode_tlvs(plaintext, tlvs);
    HYPHAE_ASSERT(n && *n == 1);
    benchmark::DoNotOptimize(tlvs);
  }
  set_payload_rate(state);
}
BENCHMARK(BM_SessionOpen)->Name("session/open_message_1200");

// TransportCipher ------------------------------------------------------------

crypto::SymmetricKey random_key() {
  crypto::SymmetricKey k{};
  sodium_keys().fill(k);
  return k;
}

void BM_TransportSeal(benchmark::State& state) {
  const auto k1 = random_key(), k2 = random_key();
  crypto::TransportCipher tx{crypto::CipherState(k1), crypto::CipherState(k2)};
  const Bytes plaintext(kPayload, 0x5a);
  const auto ad = wire::transport_associated_data(7, 0);
  Bytes out;
  out.reserve(kPayload + crypto::kTagLen);
  for (auto _ : state) {
    out.clear();
    auto counter = tx.seal(ad, plaintext, out);
    benchmark::DoNotOptimize(counter);
    benchmark::DoNotOptimize(out.data());
  }
  set_payload_rate(state);
}
BENCHMARK(BM_TransportSeal)->Name("transport/seal_1200");

void BM_TransportSealInPlace(benchmark::State& state) {
  const auto k1 = random_key(), k2 = random_key();
  crypto::TransportCipher tx{crypto::CipherState(k1), crypto::CipherState(k2)};
  Bytes buffer(kPayload + crypto::kTagLen, 0x5a);
  const auto ad = wire::transport_associated_data(7, 0);
  for (auto _ : state) {
    auto counter = tx.seal_into(ad, ByteView(buffer).first(kPayload), buffer);
    benchmark::DoNotOptimize(counter);
    benchmark::ClobberMemory();
  }
  set_payload_rate(state);
}
BENCHMARK(BM_TransportSealInPlace)->Name("transport/seal_into_inplace_1200");

// The transport/open* benchmarks: kBatch packets sealed once up front, then
// opened in order, one per iteration, by `open_one(rx, counter, ad, sealed)`.
// A new receiver (cheap) every kBatch packets: the replay window forbids reopening.
template <typename OpenOne>
void run_open(benchmark::State& state, OpenOne open_one) {
  const auto k1 = random_key(), k2 = random_key();
  crypto::TransportCipher tx{crypto::CipherState(k1), crypto::CipherState(k2)};
  std::optional<crypto::TransportCipher> rx;
  const Bytes plaintext(kPayload, 0x5a);
  const auto ad = wire::transport_associated_data(7, 0);
  constexpr std::uint64_t kBatch = 4096;
  std::vector<Bytes> sealed(kBatch);
  for (std::uint64_t i = 0; i < kBatch; ++i) {
    auto c = tx.seal(ad, plaintext, sealed[i]);
    HYPHAE_ASSERT(c && *c == i);
  }
  std::uint64_t next = kBatch;
  for (auto _ : state) {
    if (next == kBatch) {
      rx.emplace(crypto::CipherState(k2), crypto::CipherState(k1));
      next = 0;
    }
    open_one(*rx, next, ByteView(ad), sealed[next]);
    ++next;
  }
  set_payload_rate(state);
}

void BM_TransportOpen(benchmark::State& state) {
  run_open(state, [](crypto::TransportCipher& rx, std::uint64_t counter, ByteView ad, const Bytes& sealed) {
    auto opened = rx.open(counter, ad, sealed);
    HYPHAE_ASSERT(opened.has_value());
    benchmark::DoNotOptimize(opened->data());
  });
}
BENCHMARK(BM_TransportOpen)->Name("transport/open_1200");

// Copy into one reused buffer, decrypt there in place (the alternative to open_into).
void BM_TransportOpenInPlace(benchmark::State& state) {
  Bytes scratch;
  run_open(state, [&](crypto::TransportCipher& rx, std::uint64_t counter, ByteView ad, const Bytes& sealed) {
    scratch.assign(sealed.begin(), sealed.end());
    auto opened = rx.open_in_place(counter, ad, scratch);
    HYPHAE_ASSERT(opened.has_value());
    benchmark::DoNotOptimize(opened->data());
  });
}
BENCHMARK(BM_TransportOpenInPlace)->Name("transport/open_in_place_1200");
// What Session::on_transport does: decrypt from the datagram into one reused buffer.
void BM_TransportOpenInto(benchmark::State& state) {
  Bytes scratch;
  run_open(state, [&](crypto::TransportCipher& rx, std::uint64_t counter, ByteView ad, const Bytes& sealed) {
    scratch.resize(sealed.size() - crypto::kTagLen);
    auto opened = rx.open_into(counter, ad, sealed, scratch);
    HYPHAE_ASSERT(opened.has_value());
    benchmark::DoNotOptimize(scratch.data());
  });
}
BENCHMARK(BM_TransportOpenInto)->Name("transport/open_into_1200");

// Baselines: libsodium's ChaCha20-Poly1305 (IETF) alone, no wrapper, no allocation.
void BM_SodiumEncrypt(benchmark::State& state) {
  const auto k = random_key();
  const Bytes plaintext(kPayload, 0x5a);
  Bytes out(kPayload + crypto::kTagLen);
  const auto ad = wire::transport_associated_data(7, 0);
  std::array<std::uint8_t, crypto_aead_chacha20poly1305_IETF_NPUBBYTES> nonce{};
  std::uint64_t n = 0;
  for (auto _ : state) {
    ++n;
    std::memcpy(nonce.data() + 4, &n, sizeof n);
    unsigned long long written = 0;
    crypto_aead_chacha20poly1305_ietf_encrypt(out.data(), &written, plaintext.data(), plaintext.size(),
                                              ad.data(), ad.size(), nullptr, nonce.data(), k.data());
    benchmark::DoNotOptimize(written);
    benchmark::ClobberMemory();
  }
  set_payload_rate(state);
}
BENCHMARK(BM_SodiumEncrypt)->Name("baseline/sodium_encrypt_1200");

void BM_SodiumDecrypt(benchmark::State& state) {
  const auto k = random_key();
  const Bytes plaintext(kPayload, 0x5a);
  Bytes sealed(kPayload + crypto::kTagLen);
  Bytes out(kPayload);
  const auto ad = wire::transport_associated_data(7, 0);
  std::array<std::uint8_t, crypto_aead_chacha20poly1305_IETF_NPUBBYTES> nonce{};
  unsigned long long written = 0;
  crypto_aead_chacha20poly1305_ietf_encrypt(sealed.data(), &written, plaintext.data(), plaintext.size(),
                                            ad.data(), ad.size(), nullptr, nonce.data(), k.data());
  for (auto _ : state) {
    const int rc =
        crypto_aead_chacha20poly1305_ietf_decrypt(out.data(), &written, nullptr, sealed.data(), sealed.size(),
                                                  ad.data(), ad.size(), nonce.data(), k.data());
    HYPHAE_ASSERT(rc == 0);
    benchmark::DoNotOptimize(written);
    benchmark::ClobberMemory();
  }
  set_payload_rate(state);
}
BENCHMARK(BM_SodiumDecrypt)->Name("baseline/sodium_decrypt_1200");

// Not a baseline of ours but a data point for the README: AES-256-GCM (AES-NI)
// over the same 1200 bytes, i.e. what Noise's AESGCM cipher choice would cost.
void BM_SodiumAesGcmEncrypt(benchmark::State& state) {
  if (crypto_aead_aes256gcm_is_available() == 0) {
    state.SkipWithError("no AES-NI/PCLMUL on this CPU");
    return;
  }
  const auto k = random_key();
  const Bytes plaintext(kPayload, 0x5a);
  Bytes out(kPayload + crypto_aead_aes256gcm_ABYTES);
  const auto ad = wire::transport_associated_data(7, 0);
  std::array<std::uint8_t, crypto_aead_aes256gcm_NPUBBYTES> nonce{};
  std::uint64_t n = 0;
  for (auto _ : state) {
    ++n;
    std::memcpy(nonce.data() + 4, &n, sizeof n);
    unsigned long long written = 0;
    crypto_aead_aes256gcm_encrypt(out.data(), &written, plaintext.data(), plaintext.size(), ad.data(),
                                  ad.size(), nullptr, nonce.data(), k.data());
    benchmark::DoNotOptimize(written);
    benchmark::ClobberMemory();
  }
  set_payload_rate(state);
}
BENCHMARK(BM_SodiumAesGcmEncrypt)->Name("alt/sodium_aes256gcm_encrypt_1200");

// Wire codec -------------------------------------------------------------------

// A transport datagram whose "ciphertext" is the plaintext frame plus a dummy
// tag: decode_packet only frames it, decode_tlvs then parses the frame.
void BM_WireDecode(benchmark::State& state) {
  const Bytes payload(kPayload, 0x5a);
  const Bytes frame = message_frame(42, payload);
  Bytes datagram;
  wire::write_transport_header(datagram, 7, 9);
  datagram.insert(datagram.end(), frame.begin(), frame.end());
  datagram.resize(datagram.size() + wire::kAeadTagSize);
  wire::TlvArray tlvs;
  for (auto _ : state) {
    auto packet = wire::decode_packet(datagram);
    HYPHAE_ASSERT(packet && std::holds_alternative<wire::Transport>(*packet));
    const auto& t = std::get<wire::Transport>(*packet);
    auto n = wire::decode_tlvs(t.ciphertext.first(t.ciphertext.size() - wire::kAeadTagSize), tlvs);
    HYPHAE_ASSERT(n && *n == 1);
    benchmark::DoNotOptimize(tlvs);
  }
  set_payload_rate(state);
}
BENCHMARK(BM_WireDecode)->Name("wire/decode_packet_tlvs_1200");

// Baseline for the wire figure: copying the 1200 payload bytes once.
void BM_Memcpy(benchmark::State& state) {
  const Bytes src(kPayload, 0x5a);
  Bytes dst(kPayload);
  for (auto _ : state) {
    std::memcpy(dst.data(), src.data(), kPayload);
    benchmark::ClobberMemory();
  }
  set_payload_rate(state);
}
BENCHMARK(BM_Memcpy)->Name("baseline/memcpy_1200");

}  // namespace

BENCHMARK_MAIN();
