#pragma once
// The general engine: networks of any depth, on the active instruction set's dense kernels
// (kernels/dense.hpp), with the first layer (nearly all of the work) split over a thread team.
// No sum is ever split: the parameters come out bitwise the same whatever the team's size, and
// equal to the reference step's (model/reference_step.hpp) to rounding.

#include <cstddef>
#include <cstdint>
#include <memory>
#include <span>

#include "savant/data/image_set.hpp"
#include "savant/kernels/adam_config.hpp"
#include "savant/model/engine.hpp"
#include "savant/model/network.hpp"

namespace savant {

class GeneralEngine final : public Engine {
 public:
  // Copies the parameters of `net`; Adam's moments start at zero.
  GeneralEngine(const Network& net, std::size_t batch, std::size_t threads, AdamConfig adam);
  ~GeneralEngine() override;
  GeneralEngine(const GeneralEngine&) = delete;
  GeneralEngine& operator=(const GeneralEngine&) = delete;

  std::size_t epoch(const ImageSet& images, std::span<const std::uint32_t> order,
                    std::span<const std::uint8_t> labels, const StepFn& after_step) override;
  void store(Network& net) const override;

 private:
  class Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace savant
