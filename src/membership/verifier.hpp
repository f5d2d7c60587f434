// Signature checks for membership records, behind an interface because they
// are a pure function: the runtime calls libsodium directly, while the
// simulator shares one memoising verifier among all its nodes so a record
// that 10 000 simulated nodes receive is verified once, not 10 000 times.
// Every node still gets exactly the answer libsodium gives.
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <string_view>
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
  // A record to keep in the member table: a copy of its own here; the
  // simulator's verifier hands all its nodes one shared copy per record
  // (10 000 nodes each holding 10 000 records would not fit otherwise).
  virtual std::shared_ptr<const Bytes> intern(ByteView record) {
    return std::make_shared<const Bytes>(record.begin(), record.end());
  }
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
  std::shared_ptr<const Bytes> intern(ByteView record) override;
  std::size_t checks() const { return checks_; }

 private:
  // Keyed by a view of the shared bytes themselves.
  std::unordered_map<std::string_view, std::shared_ptr<const Bytes>> records_;
  std::unordered_map<std::string, bool> verified_;
  std::unordered_map<std::string, std::optional<crypto::NodeId>> ids_;
  std::size_t checks_ = 0;
};

}  // namespace hyphae::membership
