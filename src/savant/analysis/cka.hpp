#pragma once
// Comparing two models on one image set (docs/SPEC.md, section 10.6): the linear CKA of their
// first hidden layers' activations (Kornblith et al., ICML 2019) and how often they predict the
// same class.

#include <cstddef>
#include <cstdint>
#include <span>
#include <vector>

#include "savant/data/image_set.hpp"
#include "savant/model/architecture.hpp"
#include "savant/model/network.hpp"

namespace savant {

struct HiddenActivations {
  std::size_t images = 0, units = 0;
  std::vector<float> values;            // (images, units): the first layer's output, after ReLU
  std::vector<std::uint8_t> predicted;  // (images): the predicted class, as predict's
};
HiddenActivations hidden_activations(const Network& net, const ImageSet& images, int threads = 1);
// A cnn, local or mixer model's last hidden representation instead (model/arch_passes.hpp,
// arch_hidden): cnn the 128 units of fc1 after ReLU, local the means over the image of conv2's 32
// maps after ReLU, mixer the mean of its 64-wide tokens after the channel MLP (no ReLU).
HiddenActivations hidden_activations(const ArchNetwork& net, const ImageSet& images,
                                     int threads = 1);

// Linear CKA of x (n, dx) and y (n, dy), rows the same n examples: with both centred over the
// examples, ||y^T x||_F^2 / (||x^T x||_F ||y^T y||_F), in [0, 1]. The centred values and their
// products over up to 500 examples are float32 (the fast kernel), the rest double:
// good to about 1e-6. NaN when either is constant over the examples. Memory: the smaller of
// (dx + dy)^2 and 2 n^2 doubles (wide layers go through the examples' Gram matrices).
double linear_cka(std::span<const float> x, std::span<const float> y, std::size_t n, std::size_t dx,
                  std::size_t dy);

struct ModelComparison {
  double cka = 0;        // linear CKA of the two hidden activations
  double agreement = 0;  // the fraction of images both models give the same class
};
// a and b must come from the same images.
ModelComparison compare_models(const HiddenActivations& a, const HiddenActivations& b);

}  // namespace savant
