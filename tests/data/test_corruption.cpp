// Zhang et al.'s corruptions of the training data: noisy labels and Gaussian images.
#include <gtest/gtest.h>

#include <cmath>

#include "savant/data/regime.hpp"
#include "support/test_support.hpp"

namespace savant {
namespace {

TEST(LabelNoise, ReplacesAboutPOfTheLabelsFromTheSeed) {
  const Split split = testing::random_split(4000, 2, 2, 10, 3);
  EXPECT_EQ(noisy_labels(split.labels, 10, 7, 0.0), split.labels);
  const auto half = noisy_labels(split.labels, 10, 7, 0.5);
  EXPECT_EQ(half, noisy_labels(split.labels, 10, 7, 0.5));
  EXPECT_NE(half, noisy_labels(split.labels, 10, 8, 0.5));
  std::size_t changed = 0;
  for (std::size_t k = 0; k < half.size(); ++k) {
    ASSERT_LT(half[k], 10);
    changed += half[k] != split.labels[k] ? 1 : 0;
  }
  // A replaced label keeps its class with probability 1/10: 0.5 * 0.9 = 45% change, sd 0.8%.
  EXPECT_GT(changed, 1620u);
  EXPECT_LT(changed, 1980u);
}

TEST(LabelNoise, OneGivesRandomLabelsIndependentOfTheTrueOnes) {
  const Split split = testing::random_split(10000, 2, 2, 10, 4);
  const auto random = noisy_labels(split.labels, 10, 1, 1.0);
  std::vector<std::size_t> per_class(10, 0);
  std::size_t same = 0;
  for (std::size_t k = 0; k < random.size(); ++k) {
    ++per_class[random[k]];
    same += random[k] == split.labels[k] ? 1 : 0;
  }
  EXPECT_GT(same, 880u);  // 10% of 10,000, sd 30
  EXPECT_LT(same, 1120u);
  for (std::size_t c : per_class) {
    EXPECT_GT(c, 880u);
    EXPECT_LT(c, 1120u);
  }
}

TEST(GaussianImages, HaveTheDataSetsMeanAndSpreadAndComeFromTheSeed) {
  Split split = testing::random_split(300, 10, 10, 10, 5);
  // Dark images with some bright pixels, as Fashion-MNIST's: mean 51, sd 102.
  for (std::size_t i = 0; i < split.images.pixels.size(); ++i) {
    split.images.pixels[i] = (i % 5 == 0) ? 255 : 0;
  }
  const ImageSet noise = gaussian_images(split.images, 11);
  ASSERT_EQ(noise.count, split.images.count);
  ASSERT_EQ(noise.pixels.size(), split.images.pixels.size());
  EXPECT_EQ(noise.pixels, gaussian_images(split.images, 11).pixels);
  EXPECT_NE(noise.pixels, gaussian_images(split.images, 12).pixels);
  double sum = 0;
  std::size_t zeros = 0;
  for (std::uint8_t v : noise.pixels) {
    sum += v;
    zeros += v == 0 ? 1 : 0;
  }
  const double n = static_cast<double>(noise.pixels.size());
  // N(51, 102) rounded and clipped to 0..255: 31% of the pixels at 0 and a mean of about 70.
  EXPECT_NEAR(static_cast<double>(zeros) / n, 0.31, 0.03);
  EXPECT_NEAR(sum / n, 70, 4);
  // Nothing of the images is left: a pixel that was bright is no brighter on average.
  double bright = 0;
  for (std::size_t i = 0; i < noise.pixels.size(); i += 5) bright += noise.pixels[i];
  EXPECT_NEAR(bright / (n / 5), sum / n, 6);
}

TEST(GaussianImages, IsARegime) {
  EXPECT_EQ(parse_regime("gaussian").kind, RegimeKind::kGaussian);
  EXPECT_EQ(to_string(parse_regime("gaussian")), "gaussian");
  const Split split = testing::random_split(20, 4, 4, 10, 6);
  const TrainingImages images(split.images, parse_regime("gaussian"), 2, ShuffleMode::kDerange, 3,
                              1);
  EXPECT_EQ(images.images().pixels, gaussian_images(split.images, 3).pixels);
}

}  // namespace
}  // namespace savant
