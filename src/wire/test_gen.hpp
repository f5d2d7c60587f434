// RapidCheck generators shared by the wire tests. Views in packets and TLVs
// need owned storage, so generators produce "owned" models that outlive them.
#pragma once

#include <rapidcheck.h>

#include <deque>

#include "wire/packet.hpp"
#include "wire/tlv.hpp"

namespace hyphae::wire::test {

// Uniform in [lo, hi): unlike gen::inRange, not narrowed by RapidCheck's size,
// so choices between alternatives are even from the first test on.
template <class T>
rc::Gen<T> uniform(T lo, T hi) {
  return rc::gen::resize(rc::kNominalSize, rc::gen::inRange<T>(lo, hi));
}

// Bytes of a length drawn uniformly from [lo, hi], not RapidCheck's small default.
inline rc::Gen<Bytes> bytes_between(std::size_t lo, std::size_t hi) {
  return rc::gen::mapcat(uniform(lo, hi + 1), [](std::size_t n) {
    return rc::gen::container<Bytes>(n, rc::gen::arbitrary<std::uint8_t>());
  });
}

inline rc::Gen<MessageType> message_type() {
  return rc::gen::element(MessageType::task, MessageType::query, MessageType::response,
                          MessageType::notification, MessageType::parameter_update);
}

inline rc::Gen<Priority> priority() {
  return rc::gen::element(Priority::critical, Priority::high, Priority::medium, Priority::low);
}

// Draws one TLV; Message payloads are stored in `store` (a deque: stable addresses).
inline Tlv draw_tlv(std::deque<Bytes>& store) {
  switch (*uniform(0, 10)) {
    case 0:
      return Ping{*rc::gen::arbitrary<std::uint64_t>()};
    case 1:
      return Pong{*rc::gen::arbitrary<std::uint64_t>()};
    case 2: {
      // Mostly small payloads so several fit a frame; sometimes up to the bound.
      const bool big = *uniform(0, 8) == 0;
      store.push_back(*bytes_between(0, big ? kMaxMessagePayload : 40));
      return Message{*rc::gen::arbitrary<std::uint64_t>(), *message_type(), *priority(), store.back()};
    }
    case 3:
      return MessageAck{*rc::gen::arbitrary<std::uint64_t>()};
    case 4:
      return Hello{*rc::gen::arbitrary<std::uint16_t>(), *rc::gen::arbitrary<std::uint32_t>()};
    case 5:
      return Close{*rc::gen::arbitrary<std::uint8_t>()};
    case 6:
      store.push_back(*bytes_between(0, 80));
      return Routing{store.back()};
    case 8: {
      RoutedKey k{.hop_limit = *rc::gen::arbitrary<std::uint8_t>(),
                  .want_reply = *rc::gen::arbitrary<bool>()};
      for (auto& b : k.dst) b = *rc::gen::arbitrary<std::uint8_t>();
      for (auto& b : k.src) b = *rc::gen::arbitrary<std::uint8_t>();
      for (auto& b : k.key) b = *rc::gen::arbitrary<std::uint8_t>();
      return k;
    }
    case 9: {
      store.push_back(*bytes_between(0, 80));
      Flood f{.id = *rc::gen::arbitrary<std::uint64_t>(),
              .ttl = *rc::gen::arbitrary<std::uint8_t>(),
              .type = *message_type(),
              .priority = *priority(),
              .payload = store.back()};
      for (auto& b : f.origin_key) b = *rc::gen::arbitrary<std::uint8_t>();
      for (auto& b : f.signature) b = *rc::gen::arbitrary<std::uint8_t>();
      return f;
    }
    default: {
      store.push_back(*bytes_between(0, 80));
      Routed r{.hop_limit = *rc::gen::arbitrary<std::uint8_t>(), .sealed = store.back()};
      for (auto& b : r.dst) b = *rc::gen::arbitrary<std::uint8_t>();
      for (auto& b : r.src) b = *rc::gen::arbitrary<std::uint8_t>();
      return r;
    }
  }
}

// A valid TLV sequence: at most kMaxTlvsPerFrame TLVs, encoding within kMaxFrame.
inline std::vector<Tlv> draw_frame(std::deque<Bytes>& store) {
  const auto count = *uniform<std::size_t>(0, kMaxTlvsPerFrame + 1);
  std::vector<Tlv> tlvs;
  std::size_t size = 0;
  for (std::size_t i = 0; i < count; ++i) {
    Tlv t = draw_tlv(store);
    if (size + encoded_size(t) > kMaxFrame) break;
    size += encoded_size(t);
    tlvs.push_back(t);
  }
  return tlvs;
}

inline Bytes encode_frame(const std::vector<Tlv>& tlvs) {
  Bytes out;
  for (const Tlv& t : tlvs) append_tlv(out, t);
  return out;
}

// One valid packet of any type; noise/ciphertext stored in `store`.
inline Packet draw_packet(std::deque<Bytes>& store) {
  switch (*uniform(0, 4)) {
    case 0:
      store.push_back(*bytes_between(1, kMaxNoiseMessage));
      return HandshakeInit{*rc::gen::arbitrary<std::uint32_t>(), store.back()};
    case 1:
      store.push_back(*bytes_between(1, kMaxNoiseMessage));
      return HandshakeResp{*rc::gen::arbitrary<std::uint32_t>(), *rc::gen::arbitrary<std::uint32_t>(),
                           store.back()};
    case 2:
      store.push_back(*bytes_between(1, kMaxNoiseMessage));
      return HandshakeFinish{*rc::gen::arbitrary<std::uint32_t>(), store.back()};
    default:
      store.push_back(*bytes_between(kAeadTagSize, kMaxDatagram - kTransportHeaderSize));
      return Transport{
          *rc::gen::arbitrary<std::uint32_t>(), *rc::gen::arbitrary<std::uint64_t>(), {}, store.back()};
  }
}

// A copy of `in` damaged in one of the ways a network or an attacker would.
inline Bytes mutate(Bytes in) {
  switch (*uniform(0, 4)) {
    case 0:  // truncate
      in.resize(*uniform<std::size_t>(0, in.size() + 1));
      break;
    case 1:  // overwrite one byte
      if (!in.empty()) in[*uniform<std::size_t>(0, in.size())] = *rc::gen::arbitrary<std::uint8_t>();
      break;
    case 2: {  // append garbage
      Bytes tail = *bytes_between(1, 64);
      in.insert(in.end(), tail.begin(), tail.end());
      break;
    }
    default:  // flip one bit
      if (!in.empty()) {
        in[*uniform<std::size_t>(0, in.size())] ^= static_cast<std::uint8_t>(1u << *uniform(0, 8));
      }
      break;
  }
  return in;
}

}  // namespace hyphae::wire::test
