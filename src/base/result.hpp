// Errors are values inside the cores (DESIGN.md §1.5).
#pragma once

#include <expected>

namespace hyphae {

template <class T, class E>
using Result = std::expected<T, E>;

template <class E>
std::unexpected<E> fail(E e) {
  return std::unexpected<E>(std::move(e));
}

}  // namespace hyphae
