// compare (experiment/compare.hpp): a model against itself and against a copy with its hidden
// units permuted, and models of other shapes refused. The command, `savant compare`, is tested in
// tests/cli/test_compare_command.cpp.

#include <gtest/gtest.h>

#include <string>

#include "savant/core/error.hpp"
#include "savant/experiment/compare.hpp"
#include "support/test_support.hpp"
#include "support/two_models.hpp"

namespace savant {
namespace {

// The same network with hidden unit j moved to position (j * 5 + 3) % N, its bias and its row
// of the second kernel moved with it: the same function, another order of units.
SavedModel with_permuted_units(const SavedModel& model) {
  SavedModel out = model;
  out.path = "permuted.safetensors";
  const Network& net = model.network;
  const std::size_t P = net.layout.in(0), N = net.layout.out(0), C = net.layout.out(1);
  for (std::size_t j = 0; j < N; ++j) {
    const std::size_t to = (j * 5 + 3) % N;
    for (std::size_t p = 0; p < P; ++p)
      out.network.kernel(0)[p * N + to] = net.kernel(0)[p * N + j];
    out.network.bias(0)[to] = net.bias(0)[j];
    for (std::size_t c = 0; c < C; ++c)
      out.network.kernel(1)[to * C + c] = net.kernel(1)[j * C + c];
  }
  return out;
}

class CompareOnSmallData : public testing::TwoModelsOnSmallData {
 protected:
  CompareOptions options() const { return {dir_ / "data", false, 2}; }
};

TEST_F(CompareOnSmallData, AModelWithItselfHasCkaOneAndAgreesEverywhere) {
  const SavedModel a = load_saved_model(model("shuffled"));
  const CompareReport r = run_compare(a, a, options());
  EXPECT_EQ(r.images, 80u);
  for (const TestSetComparison* t : {&r.original_test, &r.shuffled_test}) {
    EXPECT_NEAR(t->models.cka, 1.0, 1e-6);
    EXPECT_EQ(t->models.agreement, 1.0);
    EXPECT_EQ(t->accuracy_a, t->accuracy_b);
  }
  EXPECT_TRUE(r.warnings.empty());
}

TEST_F(CompareOnSmallData, PermutingTheHiddenUnitsChangesNothing) {
  const SavedModel a = load_saved_model(model("shuffled"));
  ASSERT_NE(a.network.layout.out(0) % 5, 0u);  // so that j -> 5 j + 3 (mod N) permutes
  const SavedModel b = with_permuted_units(a);
  ASSERT_NE(a.network.params, b.network.params);
  const CompareReport r = run_compare(a, b, options());
  for (const TestSetComparison* t : {&r.original_test, &r.shuffled_test}) {
    EXPECT_NEAR(t->models.cka, 1.0, 1e-6);
    EXPECT_EQ(t->models.agreement, 1.0);
  }
  // Against a third model, A and its permuted copy score the same.
  const SavedModel c = load_saved_model(model("original"));
  const CompareReport ca = run_compare(c, a, options()), cb = run_compare(c, b, options());
  EXPECT_NEAR(ca.original_test.models.cka, cb.original_test.models.cka, 1e-6);
  EXPECT_NEAR(ca.shuffled_test.models.cka, cb.shuffled_test.models.cka, 1e-6);
  EXPECT_LT(ca.original_test.models.cka, 0.999);
}

TEST_F(CompareOnSmallData, RejectsModelsOfOtherShapes) {
  const SavedModel a = load_saved_model(model("original"));
  SavedModel wide = a, classes = a;
  wide.path = "wide.safetensors";
  wide.network = Network(dense_layout(145, 16, 1, 10));
  classes.path = "five.safetensors";
  classes.network = Network(dense_layout(144, 16, 1, 5));
  try {
    run_compare(a, wide, options());
    ADD_FAILURE() << "no error for different input sizes";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("takes 144 inputs but wide.safetensors takes 145"),
              std::string::npos)
        << e.what();
  }
  try {
    run_compare(a, classes, options());
    ADD_FAILURE() << "no error for different numbers of classes";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("has 10 classes but five.safetensors has 5"),
              std::string::npos)
        << e.what();
  }
}

}  // namespace
}  // namespace savant
