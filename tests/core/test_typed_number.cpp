#include "savant/core/typed_number.hpp"

#include <cmath>
#include <limits>

#include <fmt/format.h>
#include <gtest/gtest.h>

namespace savant {
namespace {

TEST(AsTyped, GivesTheDoubleOfTheFloatsShortestText) {
  EXPECT_EQ(as_typed(0.001f), 0.001);
  EXPECT_NE(static_cast<double>(0.001f), 0.001);  // what a plain widening would store
  EXPECT_EQ(as_typed(3e-4f), 3e-4);
  EXPECT_EQ(as_typed(0.1f), 0.1);
  EXPECT_EQ(as_typed(1.0f), 1.0);
  EXPECT_EQ(as_typed(-2.5f), -2.5);
  EXPECT_EQ(fmt::format("{}", as_typed(0.001f)), "0.001");
}

TEST(AsTyped, ConvertsBackToTheSameFloat) {
  for (float x : {1e-45f, 1.17549435e-38f, 1e-12f, 0.001f, 0.3f, 123456.7f, 3.4028235e38f,
                  std::numeric_limits<float>::denorm_min()}) {
    EXPECT_EQ(static_cast<float>(as_typed(x)), x) << x;
  }
  EXPECT_TRUE(std::isnan(as_typed(std::nanf(""))));
  EXPECT_EQ(as_typed(std::numeric_limits<float>::infinity()),
            std::numeric_limits<double>::infinity());
}

}  // namespace
}  // namespace savant
