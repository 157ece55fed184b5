#pragma once
// Calls f(std::integral_constant<int, NV>{}) for nv in 1..8 (8 for anything larger): the
// AVX-512 kernels keep a panel of NV vectors in registers, so NV must be a constant.

#include <cstddef>
#include <type_traits>

namespace savant {

template <typename F>
void with_vectors(std::size_t nv, F&& f) {
  switch (nv) {
    case 1:
      f(std::integral_constant<int, 1>{});
      break;
    case 2:
      f(std::integral_constant<int, 2>{});
      break;
    case 3:
      f(std::integral_constant<int, 3>{});
      break;
    case 4:
      f(std::integral_constant<int, 4>{});
      break;
    case 5:
      f(std::integral_constant<int, 5>{});
      break;
    case 6:
      f(std::integral_constant<int, 6>{});
      break;
    case 7:
      f(std::integral_constant<int, 7>{});
      break;
    default:
      f(std::integral_constant<int, 8>{});
      break;
  }
}

}  // namespace savant
