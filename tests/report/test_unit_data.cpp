// The report's per-unit data (report/unit_data.hpp) on a network built by hand, whose answer is
// known: each unit sees exactly one block.

#include <gtest/gtest.h>

#include <cmath>

#include <nlohmann/json.hpp>

#include "savant/analysis/units.hpp"
#include "savant/report/page_encoding.hpp"
#include "savant/report/unit_data.hpp"

namespace savant {
namespace {

// 4 x 4 images, grid 2 (blocks of 2 x 2 pixels), 5 hidden units, 3 classes. Unit j < 4 has
// weights in block 3 - j only: +0.5 on the block's first pixel, -0.25 on its others; unit 4 has
// none. The second kernel is V[j][c] = j - c.
Network one_block_per_unit() {
  Network net(dense_layout(16, 5, 1, 3));
  const std::size_t N = 5;
  for (std::size_t j = 0; j < 4; ++j) {
    const std::size_t block = 3 - j, r0 = 2 * (block / 2), c0 = 2 * (block % 2);
    for (std::size_t r = r0; r < r0 + 2; ++r) {
      for (std::size_t c = c0; c < c0 + 2; ++c) {
        net.kernel(0)[(r * 4 + c) * N + j] = (r == r0 && c == c0) ? 0.5f : -0.25f;
      }
    }
  }
  for (std::size_t j = 0; j < N; ++j) {
    for (std::size_t c = 0; c < 3; ++c) {
      net.kernel(1)[j * 3 + c] = static_cast<float>(static_cast<int>(j) - static_cast<int>(c));
    }
  }
  return net;
}

TEST(UnitPageJson, DescribesEachUnitOfAHandBuiltNetwork) {
  const nlohmann::json j = unit_page_json(one_block_per_unit(), 4, 4, 2, 7);
  // By home block (unit 3 is at home in block 0, ...), the unit with no weight last.
  EXPECT_EQ(j["order"], nlohmann::json({3, 2, 1, 0, 4}));
  EXPECT_EQ(j["home"], nlohmann::json({3, 2, 1, 0, nullptr}));
  EXPECT_EQ(j["specialisation"], nlohmann::json({1.0, 1.0, 1.0, 1.0, nullptr}));
  EXPECT_EQ(j["scale"], nlohmann::json({0.5, 0.5, 0.5, 0.5, 0.0}));

  // Unit j's weights, scaled to its largest |w|, b = 128 + 127 w / 0.5: +0.5 -> 255, -0.25 ->
  // 64.5, rounded to 65; 0 -> 128.
  std::vector<std::uint8_t> weights(5 * 16, 128), shares(5 * 4, 0);
  for (std::size_t u = 0; u < 4; ++u) {
    const std::size_t block = 3 - u, r0 = 2 * (block / 2), c0 = 2 * (block % 2);
    for (std::size_t r = r0; r < r0 + 2; ++r) {
      for (std::size_t c = c0; c < c0 + 2; ++c) {
        weights[u * 16 + r * 4 + c] = (r == r0 && c == c0) ? 255 : 65;
      }
    }
    shares[u * 4 + block] = 255;
  }
  EXPECT_EQ(j["weights"], base64_encode(weights));
  EXPECT_EQ(j["shares"], base64_encode(shares));

  // The borders: blocks of 2 x 2 pixels have pairs inside and across.
  ASSERT_EQ(j["discontinuity"].size(), 5u);
  EXPECT_TRUE(j["discontinuity"][4].is_null());  // no weight: 0 / 0
  EXPECT_GT(j["discontinuity"][0].get<double>(), 0.0);
  ASSERT_EQ(j["outgoing"].size(), 5u);
  EXPECT_EQ(j["outgoing"][4], nlohmann::json({4.0, 3.0, 2.0}));
  EXPECT_EQ(j["outgoing"][0], nlohmann::json({0.0, -1.0, -2.0}));
}

TEST(UnitPageJson, TheChangeIsMeasuredFromTheSeedsStart) {
  Network net = one_block_per_unit();
  // The trained weights are the start plus the hand-built ones: the change sees one block.
  Network start(net.layout);
  glorot_uniform_init(start, 11);
  for (std::size_t i = 0; i < net.kernel(0).size(); ++i) net.kernel(0)[i] += start.kernel(0)[i];
  const nlohmann::json j = unit_page_json(net, 4, 4, 2, 11);
  for (std::size_t u = 0; u < 4; ++u) {
    EXPECT_NEAR(j["specialisation_change"][u].get<double>(), 1.0, 1e-4) << u;
    EXPECT_LT(j["specialisation"][u].get<double>(), 1.0) << u;
  }
}

TEST(UnitPageJson, NoDiscontinuityForOnePixelBlocksNoOutgoingForDeeperNetworks) {
  Network net(dense_layout(16, 4, 2, 3));
  glorot_uniform_init(net, 1);
  const nlohmann::json j = unit_page_json(net, 4, 4, 4, 1);
  EXPECT_TRUE(j["discontinuity"].is_null());
  EXPECT_TRUE(j["outgoing"].is_null());
  EXPECT_EQ(j["order"].size(), 4u);
}

}  // namespace
}  // namespace savant
