#include "savant/model/engine_choice.hpp"

#include "savant/kernels/isa.hpp"
#include "savant/model/fused_engine.hpp"
#include "savant/model/general_engine.hpp"

namespace savant {

std::unique_ptr<Engine> make_engine(const Network& net, std::size_t batch, std::size_t threads,
                                    AdamConfig adam) {
  if (FusedEngine::supports(net.layout)) {
    return std::make_unique<FusedEngine>(net, batch, threads, adam);
  }
  return std::make_unique<GeneralEngine>(net, batch, threads, adam);
}

std::string active_engine_name(const ParameterLayout& layout) {
  if (FusedEngine::supports(layout)) return "fused-avx512";
  return "general-" + std::string(isa_name(active_isa()));
}

void select_engine(std::string_view choice) {
  select_isa(choice);
}

void check_engine(std::string_view choice) {
  check_isa(choice);
}

}  // namespace savant
