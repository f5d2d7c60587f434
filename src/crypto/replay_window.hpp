// Sliding anti-replay window over 64-bit transport counters, after
// wireguard-go replay/replay.go (RFC 6479's ring of bitmap blocks): a ring of
// 128 64-bit blocks; moving forward clears only the blocks it passes over.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>

namespace hyphae::crypto {

// Counters at or above this are never sent nor accepted; a session rekeys
// long before (WireGuard's REJECT_AFTER_MESSAGES idea, with a round bound).
inline constexpr std::uint64_t kRejectAfterMessages = std::uint64_t{1} << 60;

class ReplayWindow {
 public:
  static constexpr std::size_t kBlockBits = 64;
  static constexpr std::size_t kRingBlocks = 128;
  // How far behind the newest counter a counter may be and still be accepted:
  // counter + kWindowSize >= newest. One block is kept as slack so the block
  // being entered can be cleared without losing the window.
  static constexpr std::uint64_t kWindowSize = (kRingBlocks - 1) * kBlockBits;  // 8128

  // True, and records `counter`, iff counter < kRejectAfterMessages, it was
  // not accepted before and counter + kWindowSize >= the newest accepted.
  // A fresh window accepts any counter below the limit.
  bool accept(std::uint64_t counter);
  // The same decision without recording, so a receiver can drop replays
  // before spending an AEAD open on them.
  bool would_accept(std::uint64_t counter) const;
  void reset();

 private:
  static_assert((kRingBlocks & (kRingBlocks - 1)) == 0, "ring index uses a mask");
  static_assert(kWindowSize >= 2048, "window must cover reordering on bonded paths");

  std::uint64_t newest_ = 0;
  std::array<std::uint64_t, kRingBlocks> ring_{};
};

}  // namespace hyphae::crypto
