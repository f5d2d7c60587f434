#include "crypto/replay_window.hpp"

namespace hyphae::crypto {
namespace {
constexpr std::uint64_t kBlockShift = 6;
static_assert(std::uint64_t{1} << kBlockShift == ReplayWindow::kBlockBits);
constexpr std::uint64_t kBlockMask = ReplayWindow::kRingBlocks - 1;
constexpr std::uint64_t kBitMask = ReplayWindow::kBlockBits - 1;
}  // namespace

bool ReplayWindow::would_accept(std::uint64_t counter) const {
  if (counter >= kRejectAfterMessages) return false;
  if (counter > newest_) return true;
  if (newest_ - counter > kWindowSize) return false;
  const std::uint64_t block = ring_[(counter >> kBlockShift) & kBlockMask];
  return (block & (std::uint64_t{1} << (counter & kBitMask))) == 0;
}

bool ReplayWindow::accept(std::uint64_t counter) {
  if (counter >= kRejectAfterMessages) return false;
  const std::uint64_t index_block = counter >> kBlockShift;
  if (counter > newest_) {
    // Clear the blocks between the newest's block and this one; a jump of a
    // whole ring or more clears everything.
    const std::uint64_t current = newest_ >> kBlockShift;
    std::uint64_t diff = index_block - current;
    if (diff > kRingBlocks) diff = kRingBlocks;
    for (std::uint64_t i = current + 1; i <= current + diff; ++i) ring_[i & kBlockMask] = 0;
    newest_ = counter;
  } else if (newest_ - counter > kWindowSize) {
    return false;  // too old: its block may already hold newer counters
  }
  std::uint64_t& block = ring_[index_block & kBlockMask];
  const std::uint64_t bit = std::uint64_t{1} << (counter & kBitMask);
  const bool fresh = (block & bit) == 0;
  block |= bit;
  return fresh;
}

void ReplayWindow::reset() {
  newest_ = 0;
  ring_.fill(0);
}

}  // namespace hyphae::crypto
