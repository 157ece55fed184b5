// Model files: every malformed file gives its own clear error, never a crash, both through the
// library and through the command line; savant's metadata survives the round trip.

#include <gtest/gtest.h>

#include <cmath>
#include <cstring>
#include <limits>
#include <string>

#include <nlohmann/json.hpp>

#include "savant/core/atomic_file.hpp"
#include "savant/core/error.hpp"
#include "savant/core/random.hpp"
#include "savant/experiment/results_file.hpp"
#include "savant/experiment/steps.hpp"
#include "savant/formats/model_file.hpp"
#include "support/test_support.hpp"

namespace savant {
namespace {

using testing::TempDir;

// A safetensors file from a header (as JSON text) and the data bytes that follow it.
std::string file_bytes(const std::string& header, const std::string& data) {
  std::string out(8, '\0');
  const std::uint64_t n = header.size();
  std::memcpy(out.data(), &n, 8);
  return out + header + data;
}

std::string floats(std::size_t n, float value = 0.5f) {
  std::string out(n * sizeof(float), '\0');
  for (std::size_t i = 0; i < n; ++i) std::memcpy(out.data() + i * 4, &value, 4);
  return out;
}

// A header entry: {"dtype": dtype, "shape": shape, "data_offsets": [begin, end]}.
nlohmann::json entry(const std::vector<std::size_t>& shape, std::size_t begin, std::size_t end,
                     const std::string& dtype = "F32") {
  return {{"dtype", dtype}, {"shape", shape}, {"data_offsets", {begin, end}}};
}

// A valid 4-3-2 model: dense1.kernel [4,3] (48 bytes), dense1.bias [3] (12), dense2.kernel
// [3,2] (24), dense2.bias [2] (8): 92 data bytes.
nlohmann::json valid_header() {
  return {{"dense1.kernel", entry({4, 3}, 0, 48)},
          {"dense1.bias", entry({3}, 48, 60)},
          {"dense2.kernel", entry({3, 2}, 60, 84)},
          {"dense2.bias", entry({2}, 84, 92)}};
}

// The message of the Error that loading `bytes` as a model file throws ("" when none).
std::string load_error(const std::string& bytes) {
  TempDir dir;
  const auto path = dir / "model.safetensors";
  write_file_atomically(path, bytes);
  try {
    load_saved_model(path);
  } catch (const Error& e) {
    return e.what();
  }
  return "";
}

std::string load_error(const nlohmann::json& header, const std::string& data) {
  return load_error(file_bytes(header.dump(), data));
}

TEST(ModelFile, ValidFileLoads) {
  EXPECT_EQ(load_error(valid_header(), floats(23)), "");
}

TEST(ModelFile, EmptyFile) {
  EXPECT_NE(load_error(std::string()).find("0 bytes is too short"), std::string::npos);
}

TEST(ModelFile, ShortFile) {
  EXPECT_NE(load_error(std::string(5, '\0')).find("5 bytes is too short for the 8-byte header"),
            std::string::npos);
}

TEST(ModelFile, HeaderLengthPastEnd) {
  std::string bytes = file_bytes(valid_header().dump(), floats(23));
  const std::uint64_t n = bytes.size();  // 8 more than what follows the size
  std::memcpy(bytes.data(), &n, 8);
  EXPECT_NE(load_error(bytes).find("runs past the end"), std::string::npos) << load_error(bytes);
}

TEST(ModelFile, HugeHeaderLength) {
  std::string bytes = file_bytes(valid_header().dump(), floats(23));
  const std::uint64_t n = std::numeric_limits<std::uint64_t>::max();
  std::memcpy(bytes.data(), &n, 8);
  EXPECT_NE(load_error(bytes).find("exceeds the limit"), std::string::npos) << load_error(bytes);
}

TEST(ModelFile, BadJson) {
  const std::string e = load_error(file_bytes("{\"dense1.kernel\": {", floats(23)));
  EXPECT_NE(e.find("not valid JSON"), std::string::npos) << e;
}

TEST(ModelFile, HeaderNotAnObject) {
  const std::string e = load_error(file_bytes("[1, 2, 3]", floats(23)));
  EXPECT_NE(e.find("not a JSON object"), std::string::npos) << e;
}

TEST(ModelFile, BadDtype) {
  nlohmann::json h = valid_header();
  h["dense1.bias"]["dtype"] = "F16";
  const std::string e = load_error(h, floats(23));
  EXPECT_NE(e.find("'dense1.bias' has dtype F16; savant reads F32 only"), std::string::npos) << e;
}

TEST(ModelFile, MissingDtype) {
  nlohmann::json h = valid_header();
  h["dense1.bias"].erase("dtype");
  EXPECT_NE(load_error(h, floats(23)).find("'dense1.bias' has no dtype"), std::string::npos);
}

TEST(ModelFile, NegativeShape) {
  nlohmann::json h = valid_header();
  h["dense1.bias"]["shape"] = {-3};
  const std::string e = load_error(h, floats(23));
  EXPECT_NE(e.find("shape must hold non-negative integers"), std::string::npos) << e;
}

TEST(ModelFile, ShapeDoesNotMatchLength) {
  nlohmann::json h = valid_header();
  h["dense1.kernel"]["shape"] = {4, 4};
  const std::string e = load_error(h, floats(23));
  EXPECT_NE(e.find("'dense1.kernel': shape needs 64 bytes but data_offsets span 48"),
            std::string::npos)
      << e;
}

TEST(ModelFile, ShapeLargerThanFile) {
  nlohmann::json h = valid_header();
  h["dense1.kernel"]["shape"] = {std::uint64_t{1} << 40, std::uint64_t{1} << 40};
  const std::string e = load_error(h, floats(23));
  EXPECT_NE(e.find("shape is larger than the file"), std::string::npos) << e;
}

TEST(ModelFile, MalformedDataOffsets) {
  nlohmann::json h = valid_header();
  h["dense1.bias"]["data_offsets"] = {48};
  const std::string e = load_error(h, floats(23));
  EXPECT_NE(e.find("data_offsets must be [begin, end]"), std::string::npos) << e;
}

TEST(ModelFile, OffsetsOutsideTheData) {
  nlohmann::json h = valid_header();
  h["dense2.bias"]["data_offsets"] = {84, 100};
  h["dense2.bias"]["shape"] = {4};
  const std::string e = load_error(h, floats(23));
  EXPECT_NE(e.find("data_offsets [84, 100] lie outside the 92 data bytes"), std::string::npos) << e;
}

TEST(ModelFile, OffsetsReversed) {
  nlohmann::json h = valid_header();
  h["dense2.bias"]["data_offsets"] = {92, 84};
  EXPECT_NE(load_error(h, floats(23)).find("lie outside"), std::string::npos);
}

TEST(ModelFile, OverlappingTensors) {
  nlohmann::json h = valid_header();
  h["dense1.bias"]["data_offsets"] = {40, 52};
  const std::string e = load_error(h, floats(23));
  EXPECT_NE(e.find("overlaps another tensor"), std::string::npos) << e;
}

TEST(ModelFile, GapBetweenTensors) {
  nlohmann::json h = valid_header();
  h["dense2.kernel"]["data_offsets"] = {64, 88};
  h["dense2.bias"]["data_offsets"] = {88, 96};
  const std::string e = load_error(h, floats(24));
  EXPECT_NE(e.find("a gap of unused bytes before tensor 'dense2.kernel'"), std::string::npos) << e;
}

TEST(ModelFile, TrailingBytes) {
  const std::string e = load_error(valid_header(), floats(23) + "junk");
  EXPECT_NE(e.find("4 bytes after the last tensor are not described by the header"),
            std::string::npos)
      << e;
}

TEST(ModelFile, TruncatedData) {
  const std::string e = load_error(valid_header(), floats(20));
  EXPECT_NE(e.find("lie outside the 80 data bytes"), std::string::npos) << e;
}

TEST(ModelFile, MetadataNotStrings) {
  nlohmann::json h = valid_header();
  h["__metadata__"] = {{"epochs", 5}};
  EXPECT_NE(load_error(h, floats(23)).find("metadata 'epochs' is not a string"), std::string::npos);
  h["__metadata__"] = "text";
  EXPECT_NE(load_error(h, floats(23)).find("__metadata__ is not an object"), std::string::npos);
}

TEST(ModelFile, NoTensors) {
  const std::string e = load_error(nlohmann::json::object(), "");
  EXPECT_NE(e.find("found 0 tensor(s)"), std::string::npos) << e;
}

TEST(ModelFile, MissingTensor) {
  nlohmann::json h = valid_header();
  h["dense3.bias"] = h["dense2.bias"];
  h.erase("dense2.bias");
  const std::string e = load_error(h, floats(23));
  EXPECT_NE(e.find("tensor 'dense2.bias' is missing"), std::string::npos) << e;
}

TEST(ModelFile, OddNumberOfTensors) {
  nlohmann::json h = valid_header();
  h.erase("dense2.bias");
  const std::string e = load_error(h, floats(21));
  EXPECT_NE(e.find("expected pairs of tensors"), std::string::npos) << e;
}

TEST(ModelFile, WrongChainOfShapes) {
  nlohmann::json h = valid_header();
  h["dense2.kernel"] = entry({2, 3}, 60, 84);
  h["dense2.bias"] = entry({3}, 84, 96);
  const std::string e = load_error(h, floats(24));
  EXPECT_NE(e.find("'dense2.kernel' takes 2 inputs but the layer before gives 3"),
            std::string::npos)
      << e;
}

TEST(ModelFile, BiasDoesNotMatchKernel) {
  nlohmann::json h = valid_header();
  h["dense1.kernel"] = entry({3, 4}, 0, 48);
  const std::string e = load_error(h, floats(23));
  EXPECT_NE(e.find("'dense1.bias' must have shape [4] to match 'dense1.kernel'"), std::string::npos)
      << e;
}

TEST(ModelFile, KernelNotAMatrix) {
  nlohmann::json h = valid_header();
  h["dense1.kernel"] = entry({12}, 0, 48);
  const std::string e = load_error(h, floats(23));
  EXPECT_NE(e.find("'dense1.kernel' must have a shape [in, out]"), std::string::npos) << e;
}

TEST(ModelFile, NonFiniteWeights) {
  std::string data = floats(23);
  const float nan = std::numeric_limits<float>::quiet_NaN();
  std::memcpy(data.data() + 64, &nan, 4);
  const std::string e = load_error(valid_header(), data);
  EXPECT_NE(e.find("'dense2.kernel' element 1 is nan: the weights are not finite"),
            std::string::npos)
      << e;
}

// Labels are bytes: predictions of class 256 and above would wrap around to a small class.
TEST(ModelFile, MoreClassesThanLabelsCanName) {
  const nlohmann::json h = {{"dense1.kernel", entry({2, 257}, 0, 2056)},
                            {"dense1.bias", entry({257}, 2056, 3084)}};
  const std::string e = load_error(h, floats(771));
  EXPECT_NE(e.find("'dense1.kernel' gives 257 classes; labels are bytes, so a model has at most "
                   "256 classes"),
            std::string::npos)
      << e;
  const nlohmann::json most = {{"dense1.kernel", entry({2, 256}, 0, 2048)},
                               {"dense1.bias", entry({256}, 2048, 3072)}};
  EXPECT_EQ(load_error(most, floats(768)), "");
}

TEST(ModelFile, ErrorsNameTheFile) {
  TempDir dir;
  EXPECT_THROW(
      {
        try {
          load_saved_model(dir / "absent.safetensors");
        } catch (const Error& e) {
          EXPECT_NE(std::string(e.what()).find("absent.safetensors: file not found"),
                    std::string::npos);
          throw;
        }
      },
      Error);
  EXPECT_THROW(load_saved_model(dir.path()), Error);
}

// Random damage to a valid file (bytes changed, the file cut short) is either harmless or an
// Error; never another exception, never a crash (the asan preset checks the memory accesses).
TEST(ModelFile, RandomDamageIsAnErrorOrHarmless) {
  nlohmann::json h = valid_header();
  h["__metadata__"] =
      model_metadata(ModelProvenance{{}, Regime{RegimeKind::kShuffled, 0}, 2, 2, 7, "1"});
  const std::string valid = file_bytes(h.dump(), floats(23));
  CounterRng rng(2024, Stream::kInit, 77);
  int errors = 0;
  for (int trial = 0; trial < 3000; ++trial) {
    std::string bytes = valid;
    if (trial % 3 == 0) {
      bytes.resize(rng.uniform_below(static_cast<std::uint32_t>(bytes.size())));
    } else {
      for (std::uint32_t k = 0, n = 1 + rng.uniform_below(4); k < n; ++k) {
        bytes[rng.uniform_below(static_cast<std::uint32_t>(bytes.size()))] =
            static_cast<char>(rng.uniform_below(256));
      }
    }
    try {
      ModelFile model = network_from_tensors(decode_safetensors(bytes, "damaged"), "damaged");
      provenance_from_metadata(model.metadata, "damaged");
    } catch (const Error&) {
      ++errors;
    }
  }
  EXPECT_GT(errors, 1000);
}

// --- savant's metadata -----------------------------------------------------------------------

ModelProvenance sample_provenance() {
  ModelProvenance p;
  p.config.data = "/data/somewhere";
  p.config.grid = 7;
  p.config.shuffle = ShuffleMode::kPermute;
  p.config.hidden = 3;
  p.config.layers = 1;
  p.config.epochs = 2;
  p.config.batch = 16;
  p.config.learning_rate = 3e-4f;
  p.config.seed = 0xFFFFFFFFFFFFull;
  p.config.threads = 2;
  p.config.train_limit = 100;
  p.train_on = Regime{RegimeKind::kShuffled, 0};
  p.rows = 2;
  p.cols = 2;
  p.train_crc32 = 0x00abcdef;
  p.savant_version = "9.9.9";
  return p;
}

// A valid 4-3-2 model file with `metadata` in its header.
std::string model_with_metadata(const std::map<std::string, std::string>& metadata) {
  nlohmann::json h = valid_header();
  h["__metadata__"] = metadata;
  return file_bytes(h.dump(), floats(23));
}

TEST(ModelMetadata, RoundTrip) {
  const ModelProvenance p = sample_provenance();
  TempDir dir;
  Network net(dense_layout(4, 3, 1, 2));
  glorot_uniform_init(net, 1);
  save_model(dir / "m.safetensors", net, model_metadata(p));
  const SavedModel model = load_saved_model(dir / "m.safetensors");
  EXPECT_EQ(model.network.params, net.params);
  ASSERT_TRUE(model.provenance.has_value());
  const ModelProvenance& q = *model.provenance;
  EXPECT_EQ(config_json(q.config), config_json(p.config));
  EXPECT_EQ(q.config.learning_rate, p.config.learning_rate);
  EXPECT_EQ(q.train_on, p.train_on);
  EXPECT_EQ(q.rows, 2u);
  EXPECT_EQ(q.cols, 2u);
  EXPECT_EQ(q.train_crc32, p.train_crc32);
  EXPECT_EQ(q.savant_version, "9.9.9");
}

TEST(ModelMetadata, ForeignFileHasNoProvenance) {
  TempDir dir;
  write_file_atomically(dir / "m.safetensors", model_with_metadata({{"author", "someone"}}));
  EXPECT_FALSE(load_saved_model(dir / "m.safetensors").provenance.has_value());
}

TEST(ModelMetadata, EachDefectHasItsOwnError) {
  const auto good = model_metadata(sample_provenance());
  struct Case {
    std::string key, value, expected;
  };
  const std::vector<Case> cases = {
      {"format", "savant-conv", "format is 'savant-conv', expected 'savant-dense'"},
      {"config", "{not json", "'config' is not a JSON object"},
      {"config", R"({"grid": 4})", "the configuration has no 'data'"},
      {"train_on", "both", "train_on both: unknown training regime"},
      {"image_rows", "two", "'image_rows' is 'two', expected a positive integer"},
      {"train_crc32", "xyz", "'train_crc32' is 'xyz', expected 8 hex digits"},
      {"image_rows", "3", "says the model reads 3x2 images, but dense1.kernel takes 4 inputs"},
      // 2 x (2^63 + 2) wraps around to the 4 inputs.
      {"image_rows", "9223372036854775810",
       "says the model reads 9223372036854775810x2 images, but dense1.kernel takes 4 inputs"},
  };
  for (const Case& c : cases) {
    auto metadata = good;
    metadata[c.key] = c.value;
    const std::string e = load_error(model_with_metadata(metadata));
    EXPECT_NE(e.find(c.expected), std::string::npos) << c.key << ": " << e;
  }
  auto metadata = good;
  metadata.erase("train_crc32");
  EXPECT_NE(load_error(model_with_metadata(metadata)).find("has no 'train_crc32'"),
            std::string::npos);
  nlohmann::json config = nlohmann::json::parse(good.at("config"));
  config["hidden"] = "wide";
  metadata = good;
  metadata["config"] = config.dump();
  EXPECT_NE(load_error(model_with_metadata(metadata)).find("wrong type"), std::string::npos);
  config["hidden"] = 5;
  metadata["config"] = config.dump();
  EXPECT_NE(load_error(model_with_metadata(metadata)).find("hidden layer(s) of width 5"),
            std::string::npos);
}

// Through the command line: exit status 1 and the reason, for every malformed file.
TEST(ModelFileCli, MalformedFilesFailCleanly) {
  TempDir dir;
  nlohmann::json overlap = valid_header();
  overlap["dense1.bias"]["data_offsets"] = {40, 52};
  nlohmann::json chain = valid_header();
  chain["dense2.kernel"] = entry({2, 3}, 60, 84);
  chain["dense2.bias"] = entry({3}, 84, 96);
  const std::vector<std::pair<std::string, std::string>> files = {
      {std::string(3, 'x'), "too short"},
      {file_bytes("{oops", floats(23)), "not valid JSON"},
      {file_bytes(overlap.dump(), floats(23)), "overlaps"},
      {file_bytes(chain.dump(), floats(24)), "takes 2 inputs"},
      {file_bytes(valid_header().dump(), floats(23) + "zz"), "after the last tensor"},
  };
  for (std::size_t i = 0; i < files.size(); ++i) {
    const auto path = dir / ("bad" + std::to_string(i) + ".safetensors");
    write_file_atomically(path, files[i].first);
    for (const std::string& args :
         {std::string("eval --model ") + path.string(),
          std::string("analyze --model ") + path.string() + " --out " + (dir / "out").string()}) {
      const auto r = testing::run_command(testing::savant_binary() + " " + args);
      EXPECT_EQ(r.exit_code, 1) << args << "\n" << r.output;
      EXPECT_NE(r.output.find(files[i].second), std::string::npos) << r.output;
      EXPECT_NE(r.output.find("savant: error: " + path.string()), std::string::npos) << r.output;
    }
  }
}

}  // namespace
}  // namespace savant
