// Puts chunked messages back together, within a fixed memory budget.
//
// Every chunk but the last is stored and may be acknowledged. The last chunk
// is the commit: it is accepted only when all the others are here, and then
// the whole message is delivered. Until then it is turned away unacknowledged
// and its sender retransmits it. So if this node restarts and loses a
// half-built message, the commit chunk is never acknowledged and the sender
// reports the message failed at its deadline, instead of believing it
// delivered.
//
// Memory is what has arrived (not what a header claims), capped in total and
// per sender; a chunk over the cap is refused (not acknowledged: it comes
// back later), and a message that stops growing is forgotten after
// idle_timeout.
#pragma once

#include <cstddef>
#include <cstdint>
#include <map>
#include <optional>
#include <utility>
#include <vector>

#include "base/bytes.hpp"
#include "base/time.hpp"
#include "crypto/identity.hpp"
#include "messaging/envelope.hpp"

namespace hyphae::messaging {

struct ReassemblyConfig {
  std::size_t max_bytes = std::size_t{64} << 20;             // all senders
  std::size_t max_bytes_per_sender = std::size_t{24} << 20;  // one 16 MiB message and some
  Duration idle_timeout = seconds(60);
};

class Reassembly {
 public:
  enum class Verdict : std::uint8_t {
    stored,    // kept (or already had it): acknowledge
    complete,  // the commit chunk completed the message: deliver `payload`, acknowledge
    waiting,   // commit chunk before the rest: do not acknowledge
    refused,   // over the memory budget: do not acknowledge
  };
  struct Outcome {
    Verdict verdict;
    Bytes payload;  // the whole message when complete
  };

  explicit Reassembly(const ReassemblyConfig& config) : config_(config) {}

  // A chunk of a chunked message (chunk_count > 1) from `from`.
  Outcome accept(Instant now, const crypto::NodeId& from, const Envelope& e);
  // Forgets messages idle for longer than idle_timeout; returns how many.
  std::size_t expire(Instant now);

  std::size_t bytes() const { return bytes_; }
  std::size_t partial_messages() const { return partial_.size(); }

 private:
  struct Partial {
    std::uint64_t total_size = 0;
    std::vector<Bytes> chunks;  // empty until that chunk arrives
    std::uint32_t have = 0;     // chunks present (never the commit chunk)
    std::size_t bytes = 0;
    Instant last_chunk;
  };
  using Key = std::pair<crypto::NodeId, std::uint64_t>;

  void forget(std::map<Key, Partial>::iterator it);

  ReassemblyConfig config_;
  std::map<Key, Partial> partial_;
  std::map<crypto::NodeId, std::size_t> bytes_by_sender_;
  std::size_t bytes_ = 0;
};

}  // namespace hyphae::messaging
