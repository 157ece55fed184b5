#pragma once
// Which engine trains a model (model/engine.hpp): make_engine picks it, active_engine_name says
// which it would be, select_engine forces an instruction set (docs/PERFORMANCE.md, "Engines and
// dispatch").

#include <cstddef>
#include <memory>
#include <string>
#include <string_view>

#include "savant/kernels/adam_config.hpp"
#include "savant/model/engine.hpp"
#include "savant/model/network.hpp"

namespace savant {

// The engine for `net`'s layout on the active instruction set. It copies the parameters of
// `net`; Adam's moments start at zero. `threads` (at least 1) does not change the results.
std::unique_ptr<Engine> make_engine(const Network& net, std::size_t batch, std::size_t threads,
                                    AdamConfig adam);

// The engine make_engine would pick for `layout` now: "fused-avx512", "general-avx512" or
// "general-portable".
std::string active_engine_name(const ParameterLayout& layout);

// "auto" (the best this CPU runs), "portable" or "avx512", for every model trained or evaluated
// afterwards. Throws InvalidSetting("engine", ...) for another value, or for avx512 on a CPU or
// build without it. Call it before training, from one thread.
void select_engine(std::string_view choice);
// Checks a choice as select_engine does, selecting nothing.
void check_engine(std::string_view choice);

}  // namespace savant
