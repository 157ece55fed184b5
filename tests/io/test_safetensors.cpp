#include <gtest/gtest.h>

#include <cstring>
#include <fstream>

#include <nlohmann/json.hpp>

#include "savant/core/error.hpp"
#include "savant/io/model_file.hpp"
#include "savant/io/safetensors.hpp"
#include "support/test_support.hpp"

namespace savant {
namespace {

TEST(Safetensors, RoundTrip) {
  TensorFile file;
  file.metadata = {{"a", "1"}, {"config", R"({"grid":4})"}};
  file.tensors.push_back({"w", {2, 3}, {1, 2, 3, 4, 5, 6}});
  file.tensors.push_back({"b", {3}, {-1, 0.5f, 1e-8f}});
  const std::string bytes = encode_safetensors(file);
  TensorFile back = decode_safetensors(bytes, "mem");
  EXPECT_EQ(back.metadata, file.metadata);
  ASSERT_EQ(back.tensors.size(), 2u);
  EXPECT_EQ(back.find("w")->shape, (std::vector<std::size_t>{2, 3}));
  EXPECT_EQ(back.find("b")->values, file.tensors[1].values);
}

TEST(Safetensors, LayoutFollowsTheFormat) {
  TensorFile file;
  file.tensors.push_back({"x", {1}, {2.0f}});
  const std::string bytes = encode_safetensors(file);
  std::uint64_t n = 0;
  std::memcpy(&n, bytes.data(), 8);
  EXPECT_EQ(n % 8, 0u);  // header padded to 8 bytes
  EXPECT_EQ(bytes.size(), 8 + n + 4);
  auto header = nlohmann::json::parse(bytes.substr(8, n));
  EXPECT_EQ(header["x"]["dtype"], "F32");
  EXPECT_EQ(header["x"]["data_offsets"], nlohmann::json::array({0, 4}));
  float v;
  std::memcpy(&v, bytes.data() + 8 + n, 4);
  EXPECT_EQ(v, 2.0f);
}

TEST(ModelFile, NetworkRoundTripInKerasLayout) {
  testing::TempDir dir;
  Network net(dense_layout(6, 4, 2, 3));
  glorot_uniform_init(net, 2);
  save_model(dir / "m.safetensors", net, {{"grid", "4"}});
  TensorFile raw = read_safetensors(dir / "m.safetensors");
  ASSERT_NE(raw.find("dense1.kernel"), nullptr);
  EXPECT_EQ(raw.find("dense1.kernel")->shape, (std::vector<std::size_t>{6, 4}));
  EXPECT_EQ(raw.find("dense3.bias")->shape, (std::vector<std::size_t>{3}));
  ModelFile back = load_model(dir / "m.safetensors");
  EXPECT_EQ(back.network.layout, net.layout);
  EXPECT_EQ(back.network.params, net.params);
  EXPECT_EQ(back.metadata.at("grid"), "4");
}

TEST(ModelFile, TruncatedFileIsAClearError) {
  testing::TempDir dir;
  Network net(dense_layout(6, 4, 1, 3));
  save_model(dir / "m.safetensors", net, {});
  std::string bytes = encode_safetensors(network_to_tensors(net, {}));
  std::ofstream(dir / "t.safetensors", std::ios::binary) << bytes.substr(0, bytes.size() - 5);
  try {
    load_model(dir / "t.safetensors");
    FAIL();
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("t.safetensors"), std::string::npos);
  }
}

}  // namespace
}  // namespace savant
