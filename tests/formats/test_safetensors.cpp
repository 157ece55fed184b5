#include <gtest/gtest.h>
#include <sys/stat.h>

#include <cstring>
#include <fstream>

#include <nlohmann/json.hpp>

#include "savant/core/error.hpp"
#include "savant/formats/model_file.hpp"
#include "savant/formats/safetensors.hpp"
#include "support/bounded_run.hpp"
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

// A file of `header` (padded to 8 bytes) and no tensor data.
std::string file_with_header(std::string header) {
  header.append((8 - header.size() % 8) % 8, ' ');
  std::string bytes(8, '\0');
  const std::uint64_t n = header.size();
  std::memcpy(bytes.data(), &n, 8);
  return bytes + header;
}

std::string decode_error(const std::string& bytes) {
  try {
    (void)decode_safetensors(bytes, "m.safetensors");
  } catch (const Error& e) {
    return e.what();
  }
  return "";
}

TEST(Safetensors, DeeplyNestedHeaderIsRefused) {
  const std::string deep = std::string(100000, '[') + std::string(100000, ']');
  EXPECT_EQ(decode_error(file_with_header(R"({"__metadata__": {"a": "1"}, "x": )" + deep + "}")),
            "m.safetensors: not a valid safetensors model file: the header is nested deeper than "
            "64 levels of arrays and objects (savant's files nest a handful): it is damaged or "
            "not a file savant wrote");
}

TEST(Safetensors, HeaderOverItsLimitIsRefusedFromItsSize) {
  // savant's headers are about 2 KB; the size field alone says when one is not savant's.
  std::string bytes(8, '\0');
  const std::uint64_t n = kMaxSafetensorsHeader + 8;
  std::memcpy(bytes.data(), &n, 8);
  EXPECT_NE(decode_error(bytes).find("header size 1048584 exceeds the limit of 1048576 bytes"),
            std::string::npos);
  EXPECT_EQ(decode_error(file_with_header("{}")), "");
}

TEST(Safetensors, FifoIsRefusedWithoutWaitingForAWriter) {
  testing::TempDir dir;
  ASSERT_EQ(::mkfifo((dir / "m.safetensors").c_str(), 0600), 0);
  const testing::BoundedRun run =
      testing::error_in_child([&] { (void)read_safetensors(dir / "m.safetensors"); });
  EXPECT_EQ(run.exit_code, 3) << testing::describe(run);
  EXPECT_NE(run.output.find("' is a FIFO (named pipe); savant reads only regular files"),
            std::string::npos)
      << testing::describe(run);
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
