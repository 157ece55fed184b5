#pragma once
// A fixture for the tests of compare, the library's (tests/experiment) and the command's
// (tests/cli): a data set of 12x12 images and two models trained on it by `savant train`, one on
// the original images and one on the shuffled (grid 4, derange, seed 9).

#include <gtest/gtest.h>

#include <string>

#include "support/test_support.hpp"

namespace savant::testing {

class TwoModelsOnSmallData : public ::testing::Test {
 protected:
  void SetUp() override {
    write_dataset(dir_ / "data", random_split(300, 12, 12, 10, 7), random_split(80, 12, 12, 10, 8),
                  false);
    for (const std::string regime : {"original", "shuffled"}) {
      savant_ok("train --train-on " + regime + " --grid 4 --hidden 16 --epochs 2 --seed 9 --data " +
                data() + " --out " + model(regime));
    }
  }
  // The model trained on `regime` ("original" or "shuffled"), and the data set's directory.
  std::string model(const std::string& regime) const {
    return (dir_ / (regime + ".safetensors")).string();
  }
  std::string data() const { return (dir_ / "data").string(); }

  TempDir dir_;
};

}  // namespace savant::testing
