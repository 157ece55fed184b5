#include "savant/kernels/isa.hpp"

#include <atomic>
#include <cstdlib>
#include <string>

#include "savant/core/error.hpp"

namespace savant {
namespace {

Isa best_available() {
  return isa_available(Isa::avx512) ? Isa::avx512 : Isa::portable;
}

Isa parse(std::string_view choice) {
  if (choice == "auto") {
    const char* env = std::getenv("SAVANT_ENGINE");
    if (env == nullptr || *env == '\0' || std::string_view(env) == "auto") return best_available();
    return parse(env);
  }
  for (Isa isa : {Isa::portable, Isa::avx512}) {
    if (choice != isa_name(isa)) continue;
    if (!isa_available(isa)) {
#ifdef SAVANT_HAVE_AVX512
      throw InvalidSetting("engine", std::string(choice),
                           "this CPU lacks AVX-512 (it needs avx512f, avx512bw, avx512vl, "
                           "avx512dq, fma, bmi and bmi2); use auto or portable");
#else
      throw InvalidSetting("engine", std::string(choice),
                           "this build has no AVX-512 kernels (configured with SAVANT_SIMD=OFF "
                           "or for another compiler or CPU family); use auto or portable");
#endif
    }
    return isa;
  }
  throw InvalidSetting("engine", std::string(choice), "expected auto, portable or avx512");
}

}  // namespace

std::string_view isa_name(Isa isa) {
  return isa == Isa::avx512 ? "avx512" : "portable";
}

bool isa_available(Isa isa) {
  if (isa == Isa::portable) return true;
#ifdef SAVANT_HAVE_AVX512
  // The features named in SAVANT_AVX512_TARGET (kernels/avx512.hpp); libgcc also checks that
  // the operating system saves the AVX-512 registers.
  static const bool available = [] {
    __builtin_cpu_init();
    return __builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512bw") &&
           __builtin_cpu_supports("avx512vl") && __builtin_cpu_supports("avx512dq") &&
           __builtin_cpu_supports("fma") && __builtin_cpu_supports("bmi") &&
           __builtin_cpu_supports("bmi2") && __builtin_cpu_supports("popcnt");
  }();
  return available;
#else
  return false;
#endif
}

namespace detail {

std::atomic<int> g_active_isa{-1};

Isa first_active_isa() {
  const Isa isa = parse("auto");
  g_active_isa.store(static_cast<int>(isa), std::memory_order_relaxed);
  return isa;
}

}  // namespace detail

void check_isa(std::string_view choice) {
  parse(choice);
}

void select_isa(std::string_view choice) {
  detail::g_active_isa.store(static_cast<int>(parse(choice)), std::memory_order_relaxed);
}

}  // namespace savant
