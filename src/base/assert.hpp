// Always-on assertions (STYLE.md §2.5): they guard our own invariants and the
// caller's obligations, never peer data. Peer faults are drops, not asserts.
#pragma once

namespace hyphae {
[[noreturn]] void assert_fail(const char* expr, const char* file, int line) noexcept;
}  // namespace hyphae

#define HYPHAE_ASSERT(c) ((c) ? (void)0 : ::hyphae::assert_fail(#c, __FILE__, __LINE__))
