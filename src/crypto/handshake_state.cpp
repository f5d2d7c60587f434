#include "crypto/handshake_state.hpp"

#include <sodium.h>

#include <algorithm>

#include "base/assert.hpp"
#include "crypto/sodium.hpp"

namespace hyphae::crypto {
namespace {

bool contains(const std::vector<Token>& tokens, Token t) {
  return std::find(tokens.begin(), tokens.end(), t) != tokens.end();
}

// Whether the local side sends token `t` in any message.
bool sends(const HandshakePattern& pattern, bool initiator, Token t) {
  for (std::size_t i = 0; i < pattern.messages.size(); ++i) {
    const bool from_initiator = i % 2 == 0;
    if (from_initiator == initiator && contains(pattern.messages[i], t)) return true;
  }
  return false;
}

void wipe_psks(std::vector<Psk>& psks) {
  for (Psk& psk : psks) sodium_memzero(psk.data(), psk.size());
}

}  // namespace

HandshakeConfig::~HandshakeConfig() { wipe_psks(psks); }

HandshakeState::~HandshakeState() { wipe_psks(psks_); }

HandshakeState::HandshakeState(HandshakePattern pattern, SymmetricState symmetric, HandshakeConfig& config)
    : pattern_(std::move(pattern)),
      symmetric_(std::move(symmetric)),
      initiator_(config.initiator),
      s_(config.s),
      e_(config.e),
      rs_(config.rs),
      re_(config.re),
      psks_(std::move(config.psks)),
      keys_(config.keys) {}

Result<HandshakeState, NoiseError> HandshakeState::create(HandshakeConfig config) {
  ensure_sodium();
  auto pattern = parse_protocol_name(config.protocol_name);
  if (!pattern) return fail(NoiseError::bad_protocol_name);

  const auto& my_pre = config.initiator ? pattern->initiator_premessage : pattern->responder_premessage;
  const auto& their_pre = config.initiator ? pattern->responder_premessage : pattern->initiator_premessage;
  if (contains(my_pre, Token::s) && !config.s) return fail(NoiseError::missing_key);
  if (contains(my_pre, Token::e) && !config.e) return fail(NoiseError::missing_key);
  if (contains(their_pre, Token::s) && !config.rs) return fail(NoiseError::missing_key);
  if (contains(their_pre, Token::e) && !config.re) return fail(NoiseError::missing_key);
  if (sends(*pattern, config.initiator, Token::s) && !config.s) return fail(NoiseError::missing_key);
  if (sends(*pattern, config.initiator, Token::e) && !config.e && config.keys == nullptr) {
    return fail(NoiseError::missing_key);
  }
  if (config.psks.size() != pattern->psk_count()) return fail(NoiseError::missing_key);

  SymmetricState symmetric(config.protocol_name);
  symmetric.mix_hash(config.prologue);
  // Pre-message keys are hashed initiator's first, then the responder's (§7).
  const auto mix_premessage = [&](const std::vector<Token>& tokens, bool local) {
    for (Token t : tokens) {
      const PublicKey& key =
          t == Token::s ? (local ? config.s->pub : *config.rs) : (local ? config.e->pub : *config.re);
      symmetric.mix_hash(key);
      if (t == Token::e && pattern->has_psk) symmetric.mix_key(key);
    }
  };
  mix_premessage(pattern->initiator_premessage, config.initiator);
  mix_premessage(pattern->responder_premessage, !config.initiator);

  return HandshakeState(std::move(*pattern), std::move(symmetric), config);
}

bool HandshakeState::is_my_turn() const {
  if (failed_ || next_message_ >= pattern_.messages.size()) return false;
  return (next_message_ % 2 == 0) == initiator_;
}

NoiseError HandshakeState::poison(NoiseError e) {
  failed_ = e;
  return e;
}

std::size_t HandshakeState::message_size(const std::vector<Token>& tokens, std::size_t payload_size) const {
  // Mirrors write_tokens: a static key or payload gains a tag once a key exists.
  bool has_key = symmetric_.has_key();
  std::size_t size = 0;
  for (Token t : tokens) {
    switch (t) {
      case Token::e:
        size += kKeyLen;
        if (pattern_.has_psk) has_key = true;
        break;
      case Token::s:
        size += kKeyLen + (has_key ? kTagLen : 0);
        break;
      case Token::ee:
      case Token::es:
      case Token::se:
      case Token::ss:
      case Token::psk:
        has_key = true;
        break;
    }
  }
  return size + payload_size + (has_key ? kTagLen : 0);
}

Result<Bytes, NoiseError> HandshakeState::write_message(ByteView payload) {
  if (failed_) return fail(*failed_);
  if (is_finished()) return fail(NoiseError::finished);
  if (!is_my_turn()) return fail(poison(NoiseError::wrong_turn));
  const auto& tokens = pattern_.messages[next_message_];
  // Checked before any state changes; payload.size() alone may be near SIZE_MAX.
  if (payload.size() > kNoiseMessageMax || message_size(tokens, payload.size()) > kNoiseMessageMax) {
    return fail(poison(NoiseError::too_long));
  }
  const std::size_t expected_size = message_size(tokens, payload.size());
  Bytes out;
  out.reserve(expected_size);
  if (auto r = write_tokens(payload, out); !r) return fail(poison(r.error()));
  HYPHAE_ASSERT(out.size() == expected_size);
  ++next_message_;
  return out;
}

Result<void, NoiseError> HandshakeState::write_tokens(ByteView payload, Bytes& out) {
  for (Token t : pattern_.messages[next_message_]) {
    switch (t) {
      case Token::e: {
        if (!e_) {
          HYPHAE_ASSERT(keys_ != nullptr);  // create() checked it
          e_ = KeyPair::generate(*keys_);
        }
        out.insert(out.end(), e_->pub.begin(), e_->pub.end());
        symmetric_.mix_hash(e_->pub);
        if (pattern_.has_psk) symmetric_.mix_key(e_->pub);
        break;
      }
      case Token::s: {
        if (!s_) return fail(NoiseError::missing_key);
        if (auto r = symmetric_.encrypt_and_hash(s_->pub, out); !r) return r;
        break;
      }
      case Token::ee:
      case Token::es:
      case Token::se:
      case Token::ss:
        if (auto r = mix_dh(t); !r) return r;
        break;
      case Token::psk:
        if (auto r = mix_next_psk(); !r) return r;
        break;
    }
  }
  return symmetric_.encrypt_and_hash(payload, out);
}

Result<Bytes, NoiseError> HandshakeState::read_message(ByteView message) {
  if (failed_) return fail(*failed_);
  if (is_finished()) return fail(NoiseError::finished);
  if (is_my_turn()) return fail(poison(NoiseError::wrong_turn));
  if (message.size() > kNoiseMessageMax) return fail(poison(NoiseError::too_long));
  auto payload = read_tokens(message);
  if (!payload) return fail(poison(payload.error()));
  ++next_message_;
  return payload;
}

Result<Bytes, NoiseError> HandshakeState::read_tokens(ByteView message) {
  ByteView rest = message;
  for (Token t : pattern_.messages[next_message_]) {
    switch (t) {
      case Token::e: {
        if (rest.size() < kKeyLen) return fail(NoiseError::bad_message);
        PublicKey re{};
        std::copy_n(rest.begin(), kKeyLen, re.begin());
        rest = rest.subspan(kKeyLen);
        re_ = re;
        symmetric_.mix_hash(re);
        if (pattern_.has_psk) symmetric_.mix_key(re);
        break;
      }
      case Token::s: {
        const std::size_t len = kKeyLen + (symmetric_.has_key() ? kTagLen : 0);
        if (rest.size() < len) return fail(NoiseError::bad_message);
        auto rs = symmetric_.decrypt_and_hash(rest.first(len));
        if (!rs) return fail(rs.error());
        HYPHAE_ASSERT(rs->size() == kKeyLen);
        rest = rest.subspan(len);
        PublicKey key{};
        std::copy_n(rs->begin(), kKeyLen, key.begin());
        rs_ = key;
        break;
      }
      case Token::ee:
      case Token::es:
      case Token::se:
      case Token::ss:
        if (auto r = mix_dh(t); !r) return fail(r.error());
        break;
      case Token::psk:
        if (auto r = mix_next_psk(); !r) return fail(r.error());
        break;
    }
  }
  if (symmetric_.has_key() && rest.size() < kTagLen) return fail(NoiseError::bad_message);
  return symmetric_.decrypt_and_hash(rest);
}

Result<void, NoiseError> HandshakeState::mix_dh(Token token) {
  // Token names are <initiator key><responder key>; each side picks its own
  // private half and the peer's public half.
  const bool initiator_static = token == Token::se || token == Token::ss;
  const bool responder_static = token == Token::es || token == Token::ss;
  const bool local_static = initiator_ ? initiator_static : responder_static;
  const bool remote_static = initiator_ ? responder_static : initiator_static;
  const std::optional<KeyPair>& local = local_static ? s_ : e_;
  const std::optional<PublicKey>& remote = remote_static ? rs_ : re_;
  if (!local || !remote) return fail(NoiseError::missing_key);

  std::array<std::uint8_t, crypto_scalarmult_BYTES> shared{};
  // libsodium refuses (returns -1) when the result is all zeros, i.e. the
  // peer sent a low-order point; Noise allows aborting then (§12.1).
  const int rc = crypto_scalarmult(shared.data(), local->priv.data(), remote->data());
  if (rc != 0) {
    sodium_memzero(shared.data(), shared.size());
    return fail(NoiseError::bad_message);
  }
  symmetric_.mix_key(shared);
  sodium_memzero(shared.data(), shared.size());
  return {};
}

Result<void, NoiseError> HandshakeState::mix_next_psk() {
  if (next_psk_ >= psks_.size()) return fail(NoiseError::missing_key);
  symmetric_.mix_key_and_hash(psks_[next_psk_]);
  ++next_psk_;
  return {};
}

std::pair<CipherState, CipherState> HandshakeState::split() {
  HYPHAE_ASSERT(is_finished());
  return symmetric_.split();
}

}  // namespace hyphae::crypto
