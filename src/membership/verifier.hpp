// Signature checks for membership records, behind an interface because they
// are a pure function: the runtime calls libsodium directly, while the
// simulator shares one memoising verifier among all its nodes so a record
// that 10 000 simulated nodes receive is verified once, not 10 000 times.
// Every node still gets exactly the answer libsodium gives.
#pragma once

#include <optional>
#include <string>
#include <unordered_map>

#include "base/bytes.hpp"
#include "crypto/identity.hpp"

namespace hyphae::membership {

class Verifier {
 public:
  virtual ~Verifier() = default;
  virtual bool verify(const crypto::SigningPublicKey& key, ByteView message,
                      const crypto::Signature& sig) = 0;
  // The NodeId the key stands for (crypto::node_id_of_signing_key).
  virtual std::optional<crypto::NodeId> id_of(const crypto::SigningPublicKey& key) = 0;
};

// libsodium on every call, with the key-to-id conversion cached (bounded).
class DirectVerifier final : public Verifier {
 public:
  bool verify(const crypto::SigningPublicKey& key, ByteView message, const crypto::Signature& sig) override;
  std::optional<crypto::NodeId> id_of(const crypto::SigningPublicKey& key) override;

 private:
  std::unordered_map<std::string, std::optional<crypto::NodeId>> ids_;
};

// SIMULATION: remembers every answer, keyed by the exact bytes checked.
class MemoVerifier final : public Verifier {
 public:
  bool verify(const crypto::SigningPublicKey& key, ByteView message, const crypto::Signature& sig) override;
  std::optional<crypto::NodeId> id_of(const crypto::SigningPublicKey& key) override;
  std::size_t checks() const { return checks_; }

 private:
  std::unordered_map<std::string, bool> verified_;
  std::unordered_map<std::string, std::optional<crypto::NodeId>> ids_;
  std::size_t checks_ = 0;
};

}  // namespace hyphae::membership
