#pragma once
// Which instruction set the fast kernels use, chosen at run time: one binary runs on any
// x86-64 and takes the AVX-512 kernels where the CPU has every feature they use
// (docs/PERFORMANCE.md, "Engines and dispatch").

#include <atomic>
#include <string_view>

namespace savant {

enum class Isa { portable, avx512 };

// "portable" or "avx512".
std::string_view isa_name(Isa isa);

// True when this build compiled the kernels for `isa` and the CPU (and its operating system)
// runs them. Isa::portable is always available.
bool isa_available(Isa isa);

namespace detail {
// -1 until the first use; then the value of an Isa. Inline below because every kernel call
// asks, a few hundred thousand times per epoch for the mixer's small layers.
extern std::atomic<int> g_active_isa;
Isa first_active_isa();
}  // namespace detail

// The instruction set of the fast kernels. On first use it comes from the environment variable
// SAVANT_ENGINE (auto, portable or avx512; unset is auto, the best available) unless
// select_isa was called before.
inline Isa active_isa() {
  const int isa = detail::g_active_isa.load(std::memory_order_relaxed);
  return isa < 0 ? detail::first_active_isa() : static_cast<Isa>(isa);
}

// "auto" (SAVANT_ENGINE when set, else the best available), "portable" or "avx512". Throws
// InvalidSetting("engine", ...) for another value, or for an instruction set this build or CPU
// lacks. Not meant to change while a model trains: call it before, from one thread.
void select_isa(std::string_view choice);
// Checks a choice as select_isa does, selecting nothing.
void check_isa(std::string_view choice);

}  // namespace savant
