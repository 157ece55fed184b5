// The command line against bad values, one row per case: every row runs the real `savant`
// binary and checks its exit code (2 for a usage error, 1 for a run-time error), that the
// message names the problem, and that no partial output is left behind.
//
// Adding a subcommand's cases: append rows to kCases. Placeholders in `args` are replaced
// before the command runs: {data} a valid small data set (8x8 images, 10 classes), {out} a
// fresh output directory that does not exist yet, {missing} a path that does not exist,
// {file} a regular file, {dir} an existing empty directory, {readonly} a directory nobody may
// write, {bad:NAME} a data set broken in the way NAME says (see BrokenDataSets below).

#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <fstream>
#include <map>
#include <random>
#include <string>
#include <vector>

#include <fmt/format.h>

#include "savant/idx.hpp"
#include "support/result_files.hpp"
#include "support/test_support.hpp"

namespace savant::testing {
namespace {

enum class Run {
  kPlain,
  // Without the capabilities that let root ignore file permissions, so that unreadable and
  // unwritable paths are unreadable and unwritable even when the tests run as root.
  kWithoutOverride,
  // Under `ulimit -f`: writes past a few KiB fail as on a full disk.
  kFileSizeLimit,
};

struct CliCase {
  const char* name;
  const char* args;
  int exit_code;
  const char* message;  // must appear in the output
  Run run = Run::kPlain;
};

// gtest prints a failing case's parameter: its name says which row it is.
void PrintTo(const CliCase& c, std::ostream* os) {
  *os << c.name;
}

// clang-format off
const CliCase kCases[] = {
  // The top level.
  {"no_subcommand", "", 2, "subcommand"},
  {"unknown_subcommand", "frobnicate", 2, "unknown command 'frobnicate'"},
  {"unknown_top_level_option", "--frobnicate", 2, "unknown option '--frobnicate'"},
  {"version", "--version", 0, "savant "},
  {"help", "--help", 0, "reproduce"},
  {"reproduce_help", "reproduce --help", 0, "--grid"},
  // reproduce: options and their values.
  {"reproduce_unknown_option", "reproduce --data {data} --out {out} --colour red", 2, "--colour"},
  {"reproduce_extra_argument", "reproduce --data {data} --out {out} extra", 2, "extra"},
  {"reproduce_missing_value", "reproduce --data {data} --out {out} --grid", 2, "--grid"},
  {"reproduce_repeated_option", "reproduce --data {data} --out {out} --epochs 1 --epochs 2", 2, "--epochs"},
  {"grid_not_a_number", "reproduce --data {data} --out {out} --grid four", 2, "--grid"},
  {"grid_zero", "reproduce --data {data} --out {out} --grid 0", 2, "--grid"},
  {"grid_negative", "reproduce --data {data} --out {out} --grid -4", 2, "--grid"},
  {"grid_huge", "reproduce --data {data} --out {out} --grid 99999999999999999999", 2, "--grid"},
  {"grid_too_large", "reproduce --data {data} --out {out} --grid 256", 2, "--grid"},
  {"grid_fraction", "reproduce --data {data} --out {out} --grid 2.5", 2, "--grid"},
  {"grid_does_not_divide", "reproduce --data {data} --out {out} --grid 3", 2, "does not divide the 8x8 images"},
  {"grid_larger_than_image", "reproduce --data {data} --out {out} --grid 16", 2, "does not divide the 8x8 images"},
  {"grid_one_derange", "reproduce --data {data} --out {out} --grid 1", 2, "no derangement"},
  {"grid_one_fixed", "reproduce --data {data} --out {out} --grid 1 --shuffle fixed", 2, "no derangement"},
  {"shuffle_unknown", "reproduce --data {data} --out {out} --shuffle sideways", 2, "sideways"},
  {"shuffle_empty", "reproduce --data {data} --out {out} --shuffle ''", 2, "--shuffle"},
  {"hidden_zero", "reproduce --data {data} --out {out} --hidden 0", 2, "--hidden"},
  {"hidden_negative", "reproduce --data {data} --out {out} --hidden -1", 2, "--hidden"},
  {"hidden_not_a_number", "reproduce --data {data} --out {out} --hidden wide", 2, "--hidden"},
  {"hidden_huge", "reproduce --data {data} --out {out} --hidden 65537", 2, "--hidden"},
  {"epochs_zero", "reproduce --data {data} --out {out} --epochs 0", 2, "--epochs"},
  {"epochs_negative", "reproduce --data {data} --out {out} --epochs -3", 2, "--epochs"},
  {"epochs_fraction", "reproduce --data {data} --out {out} --epochs 1.5", 2, "--epochs"},
  {"epochs_huge", "reproduce --data {data} --out {out} --epochs 10001", 2, "--epochs"},
  {"batch_zero", "reproduce --data {data} --out {out} --batch 0", 2, "--batch"},
  {"batch_negative", "reproduce --data {data} --out {out} --batch -32", 2, "--batch"},
  {"batch_huge", "reproduce --data {data} --out {out} --batch 65537", 2, "--batch"},
  {"lr_zero", "reproduce --data {data} --out {out} --lr 0", 2, "--lr: '0' is not a positive number"},
  {"lr_negative", "reproduce --data {data} --out {out} --lr -0.001", 2, "--lr: '-0.001' is not a positive number"},
  {"lr_not_a_number", "reproduce --data {data} --out {out} --lr fast", 2, "--lr: 'fast' is not a positive number"},
  {"lr_nan", "reproduce --data {data} --out {out} --lr nan", 2, "--lr: 'nan' is not a positive number"},
  {"lr_infinite", "reproduce --data {data} --out {out} --lr inf", 2, "--lr: 'inf' is not a positive number"},
  {"lr_overflows", "reproduce --data {data} --out {out} --lr 1e999", 2, "--lr: '1e999' is not a positive number"},
  {"lr_beyond_float", "reproduce --data {data} --out {out} --lr 1e39", 2, "--lr: '1e39' is not a positive number"},
  {"lr_trailing_garbage", "reproduce --data {data} --out {out} --lr 1e-3x", 2, "--lr: '1e-3x' is not a positive number"},
  {"seed_negative", "reproduce --data {data} --out {out} --seed -1", 2, "--seed: '-1' is not a whole number"},
  {"seed_not_a_number", "reproduce --data {data} --out {out} --seed lucky", 2, "--seed"},
  {"seed_trailing_garbage", "reproduce --data {data} --out {out} --seed 12x", 2, "--seed"},
  {"seed_overflows", "reproduce --data {data} --out {out} --seed 18446744073709551616", 2, "--seed"},
  {"threads_zero", "reproduce --data {data} --out {out} --threads 0", 2, "--threads"},
  {"threads_huge", "reproduce --data {data} --out {out} --threads 1025", 2, "--threads"},
  {"train_limit_negative", "reproduce --data {data} --out {out} --train-limit -1", 2, "--train-limit: '-1' is not a whole number"},
  {"train_limit_not_a_number", "reproduce --data {data} --out {out} --train-limit all", 2, "--train-limit"},
  // reproduce: the data directory and its files.
  {"data_missing", "reproduce --data {missing} --out {out}", 1, "does not exist"},
  {"data_is_a_file", "reproduce --data {file} --out {out}", 1, "is not a directory"},
  {"data_empty_directory", "reproduce --data {dir} --out {out}", 1, "has no 'train-images-idx3-ubyte'"},
  {"data_file_is_a_directory", "reproduce --data {bad:file_is_directory} --out {out}", 1, "is a directory, expected an IDX file"},
  {"data_file_unreadable", "reproduce --data {bad:unreadable} --out {out}", 1, "cannot open for reading", Run::kWithoutOverride},
  {"data_bad_magic", "reproduce --data {bad:bad_magic} --out {out}", 1, "bad magic number"},
  {"data_element_type", "reproduce --data {bad:float_type} --out {out}", 1, "element type 0x0d"},
  {"data_labels_as_images", "reproduce --data {bad:wrong_rank} --out {out}", 1, "has 1 dimension(s), expected 3"},
  {"data_zero_dimension", "reproduce --data {bad:zero_dimension} --out {out}", 1, "is zero"},
  {"data_empty_file", "reproduce --data {bad:empty_file} --out {out}", 1, "truncated"},
  {"data_truncated", "reproduce --data {bad:truncated} --out {out}", 1, "truncated"},
  {"data_huge_claim", "reproduce --data {bad:huge_claim} --out {out}", 1, "truncated"},
  {"data_over_limit_claim", "reproduce --data {bad:over_limit_claim} --out {out}", 1, "refusing to read"},
  {"data_extra_bytes", "reproduce --data {bad:extra_bytes} --out {out}", 1, "unexpected bytes after the payload"},
  {"data_corrupt_gzip", "reproduce --data {bad:corrupt_gzip} --out {out}", 1, "train-images-idx3-ubyte.gz"},
  {"data_count_mismatch", "reproduce --data {bad:count_mismatch} --out {out}", 1, "images but"},
  {"data_label_out_of_range", "reproduce --data {bad:label_out_of_range} --out {out}", 1, "is out of range"},
  {"data_sizes_differ", "reproduce --data {bad:sizes_differ} --out {out}", 1, "both must have the same size"},
  // reproduce: where the results go.
  {"out_is_a_file", "reproduce --data {data} --out {file}", 1, "is not a directory"},
  {"out_under_a_file", "reproduce --data {data} --out {file}/results", 1, "cannot create output directory"},
  {"out_not_writable", "reproduce --data {data} --out {readonly}", 1, "is not writable", Run::kWithoutOverride},
  {"out_parent_not_writable", "reproduce --data {data} --out {readonly}/results", 1, "cannot create output directory", Run::kWithoutOverride},
  {"out_disk_full", "reproduce --data {data} --out {out} --epochs 1", 1, "File too large", Run::kFileSizeLimit},
  // reproduce: numerical faults.
  {"lr_diverges", "reproduce --data {data} --out {out} --epochs 1 --lr 1e30", 1, "original_model: training diverged at epoch 1, step "},
  // reproduce: controls that must succeed.
  {"reproduce_tiny", "reproduce --data {data} --out {out} --epochs 1", 0, "Accuracy"},
  {"reproduce_grid_one_none", "reproduce --data {data} --out {out} --epochs 1 --grid 1 --shuffle none", 0, "Accuracy"},
};
// clang-format on

void write_bytes(const std::filesystem::path& path, const std::string& bytes) {
  std::ofstream(path, std::ios::binary) << bytes;
}

std::string idx_header(std::uint8_t type, std::vector<std::uint32_t> dims) {
  std::string out = {0, 0, static_cast<char>(type), static_cast<char>(dims.size())};
  for (std::uint32_t d : dims) {
    for (int shift = 24; shift >= 0; shift -= 8) out.push_back(static_cast<char>(d >> shift));
  }
  return out;
}

// A valid data set and broken copies of it, built once for all cases.
class CliTable : public ::testing::TestWithParam<CliCase> {
 protected:
  static void SetUpTestSuite() {
    root_ = std::make_unique<TempDir>();
    const auto& r = root_->path();
    train_ = random_split(96, 8, 8, 10, 1);
    test_ = random_split(32, 8, 8, 10, 2);
    write_dataset(r / "data", train_, test_, false);
    write_bytes(r / "a-file", "not a directory\n");
    std::filesystem::create_directories(r / "empty-dir");
    std::filesystem::create_directories(r / "readonly");
    ::chmod((r / "readonly").c_str(), 0555);

    auto broken = [&](const std::string& name, bool gzip = false) {
      const auto dir = r / ("bad-" + name);
      write_dataset(dir, train_, test_, gzip);
      return dir;
    };
    const std::string images = "train-images-idx3-ubyte";
    {
      auto d = broken("file_is_directory");
      std::filesystem::remove(d / images);
      std::filesystem::create_directories(d / images);
    }
    ::chmod((broken("unreadable") / images).c_str(), 0);
    write_bytes(broken("bad_magic") / images, "GIF89a" + std::string(64, '\0'));
    write_bytes(broken("float_type") / images, idx_header(0x0d, {1, 1, 1}) + std::string(4, '\0'));
    write_bytes(broken("wrong_rank") / images, idx_header(0x08, {1}) + std::string(1, '\0'));
    write_bytes(broken("zero_dimension") / images, idx_header(0x08, {0, 8, 8}));
    write_bytes(broken("empty_file") / images, "");
    write_bytes(broken("truncated") / images, idx_header(0x08, {96, 8, 8}) + std::string(100, 'x'));
    write_bytes(broken("huge_claim") / images, idx_header(0x08, {60000, 28, 28}) + "0123456789");
    write_bytes(broken("over_limit_claim") / images,
                idx_header(0x08, {0xFFFFFFFF, 0xFFFFFF, 0xFFFF}) + "0123456789");
    write_bytes(broken("extra_bytes") / images,
                idx_header(0x08, {96, 8, 8}) + std::string(96 * 64 + 1, 'x'));
    {
      auto d = broken("corrupt_gzip", true);
      std::ifstream in(d / (images + ".gz"), std::ios::binary);
      std::string gz{std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
      for (std::size_t i = 20; i < gz.size(); i += 7) gz[i] = static_cast<char>(gz[i] ^ 0x5a);
      write_bytes(d / (images + ".gz"), gz);
    }
    {
      auto d = broken("count_mismatch");
      std::vector<std::uint8_t> fewer(train_.labels.begin(), train_.labels.end() - 1);
      write_idx_labels(d / "train-labels-idx1-ubyte", fewer);
    }
    {
      auto d = broken("label_out_of_range");
      std::vector<std::uint8_t> labels = train_.labels;
      labels[5] = 10;
      write_idx_labels(d / "train-labels-idx1-ubyte", labels);
    }
    {
      auto d = broken("sizes_differ");
      Split small = random_split(32, 4, 4, 10, 3);
      write_idx_images(d / "t10k-images-idx3-ubyte", small.images);
    }
  }
  static void TearDownTestSuite() {
    ::chmod((root_->path() / "readonly").c_str(), 0755);
    root_.reset();
  }

  static std::unique_ptr<TempDir> root_;
  static Split train_, test_;
};

std::unique_ptr<TempDir> CliTable::root_;
Split CliTable::train_, CliTable::test_;

std::string replace_all(std::string text, const std::string& from, const std::string& to) {
  for (std::size_t at = text.find(from); at != std::string::npos; at = text.find(from, at)) {
    text.replace(at, from.size(), to);
    at += to.size();
  }
  return text;
}

TEST_P(CliTable, ExitCodeMessageAndNoPartialOutput) {
  const CliCase& c = GetParam();
  const auto& r = root_->path();
  const std::filesystem::path out = r / fmt::format("out-{}", c.name);
  std::string args = c.args;
  for (std::size_t at = args.find("{bad:"); at != std::string::npos; at = args.find("{bad:")) {
    const std::size_t end = args.find('}', at);
    const std::string name = args.substr(at + 5, end - at - 5);
    args.replace(at, end - at + 1, (r / ("bad-" + name)).string());
  }
  const std::map<std::string, std::filesystem::path> paths = {{"{data}", r / "data"},
                                                              {"{out}", out},
                                                              {"{missing}", r / "no-such-thing"},
                                                              {"{file}", r / "a-file"},
                                                              {"{dir}", r / "empty-dir"},
                                                              {"{readonly}", r / "readonly"}};
  for (const auto& [key, path] : paths) args = replace_all(args, key, path.string());

  std::string command = savant_binary() + " " + args;
  switch (c.run) {
    case Run::kPlain:
      break;
    case Run::kWithoutOverride:
      if (::geteuid() == 0) {
        command = "setpriv --bounding-set=-dac_override,-dac_read_search " + command;
      }
      break;
    case Run::kFileSizeLimit:
      command = "bash -c 'ulimit -f 2; exec " + command + "'";
      break;
  }
  const CommandResult result = run_command(command);
  SCOPED_TRACE(command + "\n" + result.output);
  EXPECT_EQ(result.exit_code, c.exit_code);
  EXPECT_NE(result.output.find(c.message), std::string::npos)
      << "the output does not mention '" << c.message << "'";
  if (c.exit_code != 0) {
    EXPECT_NE(result.output.find("savant: error: "), std::string::npos);
    // A failed run leaves no result behind, whole or partial, and no temporary file.
    EXPECT_TRUE(files_under(out).empty());
    EXPECT_TRUE(files_under(r / "readonly").empty());
  } else {
    for (const auto& file : files_under(out)) {
      EXPECT_FALSE(is_atomic_temporary(file)) << file;
      EXPECT_EQ(result_file_problem(file), "") << file;
    }
  }
}

// Beyond the table: random combinations of options and values, good and bad, must each end
// with exit code 0, 1 or 2 and never with a signal, an uncaught exception or a sanitizer
// report. The seed is printed on failure.
TEST_F(CliTable, RandomArgumentsNeverCrash) {
  const std::vector<std::string> options = {"--grid",        "--shuffle", "--hidden", "--epochs",
                                            "--batch",       "--lr",      "--seed",   "--threads",
                                            "--train-limit", "--data",    "--bogus"};
  const std::vector<std::string> values = {"0",
                                           "1",
                                           "2",
                                           "3",
                                           "4",
                                           "8",
                                           "-1",
                                           "1.5",
                                           "1e9",
                                           "nan",
                                           "inf",
                                           "-inf",
                                           "x",
                                           "''",
                                           "99999999999999999999999",
                                           "derange",
                                           "permute",
                                           "fixed",
                                           "none",
                                           "0x10",
                                           "1e-45",
                                           (root_->path() / "bad-truncated").string(),
                                           (root_->path() / "a-file").string()};
  const unsigned seed = std::random_device{}();
  SCOPED_TRACE("seed " + std::to_string(seed));
  std::mt19937 rng(seed);
  auto pick = [&](const std::vector<std::string>& from) {
    return from[std::uniform_int_distribution<std::size_t>(0, from.size() - 1)(rng)];
  };
  for (int run = 0; run < 30; ++run) {
    const auto out = root_->path() / fmt::format("random-{}", run);
    std::string command =
        fmt::format("{} reproduce --data {} --out {} --epochs 1 --hidden 8", savant_binary(),
                    (root_->path() / "data").string(), out.string());
    const int count = std::uniform_int_distribution<int>(1, 3)(rng);
    for (int k = 0; k < count; ++k) command += fmt::format(" {} {}", pick(options), pick(values));
    const CommandResult result = run_command(command);
    SCOPED_TRACE(command + "\n" + result.output);
    EXPECT_TRUE(result.exit_code == 0 || result.exit_code == 1 || result.exit_code == 2);
    for (const char* bad : {"terminate called", "Sanitizer", "runtime error", "Aborted"}) {
      EXPECT_EQ(result.output.find(bad), std::string::npos) << bad;
    }
    if (result.exit_code != 0) {
      EXPECT_NE(result.output.find("savant: error: "), std::string::npos);
      EXPECT_TRUE(files_under(out).empty());
    }
  }
}

INSTANTIATE_TEST_SUITE_P(Savant, CliTable, ::testing::ValuesIn(kCases),
                         [](const ::testing::TestParamInfo<CliCase>& param) {
                           return std::string(param.param.name);
                         });

}  // namespace
}  // namespace savant::testing
