// libFuzzer entry point; the work is in targets.cpp, shared with the regression test.
#include <cstddef>
#include <cstdint>

#include "targets.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  savant::fuzz::model_file({data, size});
  return 0;
}
