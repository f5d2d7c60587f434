#include "membership/verifier.hpp"

namespace hyphae::membership {
namespace {

constexpr std::size_t kMaxCachedIds = 65536;

std::string key_string(ByteView a, ByteView b = {}, ByteView c = {}) {
  std::string s;
  s.reserve(a.size() + b.size() + c.size());
  s.append(as_chars(a)).append(as_chars(b)).append(as_chars(c));
  return s;
}

}  // namespace

bool DirectVerifier::verify(const crypto::SigningPublicKey& key, ByteView message,
                            const crypto::Signature& sig) {
  return crypto::verify_signature(key, message, sig);
}

std::optional<crypto::NodeId> DirectVerifier::id_of(const crypto::SigningPublicKey& key) {
  const std::string k = key_string(key);
  if (auto it = ids_.find(k); it != ids_.end()) return it->second;
  if (ids_.size() >= kMaxCachedIds) ids_.clear();  // a flood of fresh keys must not grow memory
  return ids_[k] = crypto::node_id_of_signing_key(key);
}

bool MemoVerifier::verify(const crypto::SigningPublicKey& key, ByteView message,
                          const crypto::Signature& sig) {
  const std::string k = key_string(key, message, sig);
  if (auto it = verified_.find(k); it != verified_.end()) return it->second;
  ++checks_;
  return verified_[k] = crypto::verify_signature(key, message, sig);
}

std::optional<crypto::NodeId> MemoVerifier::id_of(const crypto::SigningPublicKey& key) {
  const std::string k = key_string(key);
  if (auto it = ids_.find(k); it != ids_.end()) return it->second;
  return ids_[k] = crypto::node_id_of_signing_key(key);
}

std::shared_ptr<const Bytes> MemoVerifier::intern(ByteView record) {
  const std::string_view key(reinterpret_cast<const char*>(record.data()), record.size());
  if (auto it = records_.find(key); it != records_.end()) return it->second;
  auto kept = std::make_shared<const Bytes>(record.begin(), record.end());
  records_.emplace(std::string_view(reinterpret_cast<const char*>(kept->data()), kept->size()), kept);
  return kept;
}

}  // namespace hyphae::membership
