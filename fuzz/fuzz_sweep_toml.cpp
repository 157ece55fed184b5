// libFuzzer entry point; the work is in targets.cpp, shared with the regression test.
#include <cstddef>
#include <cstdint>

#include "targets.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  savant::fuzz::sweep_toml_text({data, size});
  return 0;
}
