// Paths that cannot be turned against the user, through the real binary (docs/RELIABILITY.md,
// "Outputs are whole sets"): a planted link where savant keeps its lock, outputs onto or into
// what the command reads (by the kernel's meaning of a path, not its text), another output's
// names beside a target, temporaries left by killed writers, and output paths that could only
// fail after the work.

#include <gtest/gtest.h>
#include <signal.h>
#include <unistd.h>

#include <chrono>
#include <fstream>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "savant/core/checksum.hpp"
#include "support/test_support.hpp"

namespace savant::testing {
namespace {
namespace fs = std::filesystem;

std::set<std::string> names_in(const fs::path& dir) {
  std::set<std::string> names;
  for (const auto& entry : fs::directory_iterator(dir)) {
    names.insert(entry.path().filename().string());
  }
  return names;
}

// Names in `dir` that hold ".tmp.": write_file_atomically's temporaries.
std::vector<fs::path> temporaries_in(const fs::path& dir) {
  std::vector<fs::path> found;
  for (const auto& entry : fs::directory_iterator(dir)) {
    if (entry.path().filename().string().find(".tmp.") != std::string::npos) {
      found.push_back(entry.path());
    }
  }
  return found;
}

// Starts `args`, SIGKILLs it as soon as a temporary appears in `dir`, and says whether one was
// left there (the kill landed while the file was written); tries up to 40 times.
bool kill_while_writing(const std::vector<std::string>& args, const fs::path& dir) {
  for (int attempt = 0; attempt < 40; ++attempt) {
    const int pid = spawn_savant(args);
    for (;;) {
      std::error_code ec;
      bool writing = false;
      for (fs::directory_iterator it(dir, ec), end; !ec && it != end; it.increment(ec)) {
        writing = writing || it->path().filename().string().find(".tmp.") != std::string::npos;
      }
      if (writing) {
        ::kill(pid, SIGKILL);
        break;
      }
      int status = 0;
      if (::waitpid(pid, &status, WNOHANG) == pid) break;  // it finished first
      std::this_thread::sleep_for(std::chrono::microseconds(20));
    }
    (void)wait_for(pid);
    if (!temporaries_in(dir).empty()) return true;
  }
  return false;
}

class Paths : public ::testing::Test {
 protected:
  void SetUp() override {
    write_dataset(data_, random_split(600, 16, 16, 10, 1), random_split(200, 16, 16, 10, 2), false);
  }
  // `savant ARGS` with the arguments quoted for the shell.
  CommandResult savant(const std::vector<std::string>& args) const {
    std::string command = savant_binary();
    for (const std::string& a : args) command += " '" + a + "'";
    return run_command(command);
  }
  std::vector<std::string> reproduce_args(const fs::path& out, int seed = 1, int epochs = 1) const {
    return {"reproduce",
            "--data",
            data_.string(),
            "--out",
            out.string(),
            "--hidden",
            "16",
            "--epochs",
            std::to_string(epochs),
            "--seed",
            std::to_string(seed),
            "--threads",
            "1",
            "--quiet"};
  }
  std::vector<std::string> train_args(const fs::path& out, const std::string& hidden = "8") const {
    return {"train",    "--data", data_.string(), "--train-on", "original", "--out", out.string(),
            "--epochs", "1",      "--hidden",     hidden,       "--quiet"};
  }
  // The run id a run directory's results.json records.
  static std::string run_id(const fs::path& run) {
    return read_json_file(run / "results.json")["run"]["id"];
  }
  TempDir dir_;
  fs::path root_ = fs::canonical(dir_.path());
  fs::path data_ = root_ / "data";
};

// A link planted where savant keeps its lock is refused, by a writer and by report alike, and
// what it points to keeps its contents.
TEST_F(Paths, APlantedLockLinkIsRefusedAndItsTargetKept) {
  const fs::path out = root_ / "out";
  ASSERT_EQ(savant(reproduce_args(out)).exit_code, 0);
  { std::ofstream(root_ / "victim") << "root's file"; }
  for (const char* target : {"out", "new"}) {
    fs::create_symlink(root_ / "victim", root_ / fmt::format(".{}.lock", target));
  }
  CommandResult r = savant(reproduce_args(root_ / "new"));
  EXPECT_EQ(r.exit_code, 1) << r.output;
  EXPECT_NE(r.output.find(".new.lock' is a symbolic link, where savant keeps the lock"),
            std::string::npos)
      << r.output;
  EXPECT_NE(r.output.find("remove it (rm '"), std::string::npos) << r.output;
  r = savant({"report", out.string()});
  EXPECT_EQ(r.exit_code, 1) << r.output;
  EXPECT_NE(r.output.find("is a symbolic link"), std::string::npos) << r.output;
  EXPECT_EQ(file_text(root_ / "victim"), "root's file");
  EXPECT_FALSE(fs::exists(root_ / "new"));
}

// Outputs are never what a command reads nor inside it: the data set's files, the run's other
// files, the directory of the model's run.
TEST_F(Paths, NoOutputIsOrLiesInAnInput) {
  const std::string images = file_sha256(data_ / "train-images-idx3-ubyte");
  const std::string test_images = file_sha256(data_ / "t10k-images-idx3-ubyte");
  CommandResult r = savant(train_args(data_ / "train-images-idx3-ubyte"));
  EXPECT_EQ(r.exit_code, 2) << r.output;
  EXPECT_NE(r.output.find("would replace 'train-images-idx3-ubyte' in the data set"),
            std::string::npos)
      << r.output;
  EXPECT_EQ(savant(train_args(data_ / "model.safetensors")).exit_code, 2);

  const fs::path run = root_ / "run";
  ASSERT_EQ(savant(reproduce_args(run)).exit_code, 0);
  const std::set<std::string> run_files = names_in(run);
  // The test set, named by --data or found through results.json.
  for (const std::vector<std::string>& args :
       {std::vector<std::string>{"report", run.string(), "--data", data_.string(), "--out",
                                 (data_ / "t10k-images-idx3-ubyte").string()},
        std::vector<std::string>{"report", run.string(), "--out",
                                 (data_ / "t10k-images-idx3-ubyte").string()}}) {
    r = savant(args);
    EXPECT_EQ(r.exit_code, 2) << r.output;
    EXPECT_NE(r.output.find("in the data set"), std::string::npos) << r.output;
  }
  // The run's other files: only its own report.html is report's to write.
  r = savant({"report", run.string(), "--out", (run / "predictions.csv").string()});
  EXPECT_EQ(r.exit_code, 2) << r.output;
  EXPECT_NE(r.output.find("would replace 'predictions.csv' in the run directory"),
            std::string::npos)
      << r.output;
  EXPECT_EQ(savant({"report", run.string(), "--out", (run / "other.html").string()}).exit_code, 2);
  EXPECT_EQ(savant({"report", run.string(), "--out", (run / "report.html").string()}).exit_code, 0);
  EXPECT_EQ(savant({"report", run.string()}).exit_code, 0);
  // analyze writes no directory into the run its model belongs to.
  r = savant({"analyze", "--model", (run / "original_model.safetensors").string(), "--out",
              (run / "analysis").string()});
  EXPECT_EQ(r.exit_code, 2) << r.output;
  EXPECT_NE(r.output.find("lies inside the run directory"), std::string::npos) << r.output;
  EXPECT_EQ(names_in(run), run_files);
  EXPECT_EQ(file_sha256(data_ / "train-images-idx3-ubyte"), images);
  EXPECT_EQ(file_sha256(data_ / "t10k-images-idx3-ubyte"), test_images);
  EXPECT_EQ(names_in(data_).size(), 4u);
}

// The sweep's database is neither in its data nor its configuration file.
TEST_F(Paths, SweepDatabaseIsNotAnInput) {
  const std::string sweep =
      "sweep --data '" + data_.string() + "' --grid 4 --train-on original --epochs 1 --hidden 8";
  CommandResult r = run_command(
      fmt::format("{} {} --db '{}'", savant_binary(), sweep, (data_ / "results.sqlite").string()));
  EXPECT_EQ(r.exit_code, 2) << r.output;
  EXPECT_NE(r.output.find("lies inside the data set"), std::string::npos) << r.output;
  EXPECT_EQ(names_in(data_).size(), 4u);
  const fs::path config = root_ / "sweep.toml";
  { std::ofstream(config) << "seeds = 1\n"; }
  r = run_command(fmt::format("{} {} --config '{}' --db '{}'", savant_binary(), sweep,
                              config.string(), config.string()));
  EXPECT_EQ(r.exit_code, 2) << r.output;
  EXPECT_NE(r.output.find("is the sweep file"), std::string::npos) << r.output;
  EXPECT_EQ(file_text(config), "seeds = 1\n");
}

// "lnk/../victim" is where the kernel takes it (far/victim), not where its text simplifies to.
TEST_F(Paths, DotDotAfterALinkIsTheKernels) {
  fs::create_directories(root_ / "far" / "inner");
  fs::create_directory_symlink("far/inner", root_ / "lnk");
  ASSERT_EQ(savant(reproduce_args(root_ / "victim", 1)).exit_code, 0);
  const std::string id = run_id(root_ / "victim");
  const CommandResult r = run_command(fmt::format("cd '{}' && {}", root_.string(), [&] {
    std::string command = savant_binary();
    for (const std::string& a : reproduce_args("lnk/../victim", 2)) command += " '" + a + "'";
    return command;
  }()));
  ASSERT_EQ(r.exit_code, 0) << r.output;
  EXPECT_EQ(run_id(root_ / "victim"), id);
  EXPECT_EQ(read_json_file(root_ / "far" / "victim" / "results.json")["config"]["seed"], 2);
  // A data set given so is read, and recorded, where the kernel finds it: lnk/.. is far, and
  // far/../data the data set (as text, "lnk/../../data" would be the directory above).
  std::vector<std::string> args = reproduce_args(root_ / "run");
  args[2] = (root_ / "lnk/../../data").string();
  ASSERT_EQ(savant(args).exit_code, 0);
  EXPECT_EQ(read_json_file(root_ / "run" / "results.json")["config"]["data"], data_.string());
}

// A writer of "x" leaves alone the lock and staging directory of a running writer of
// "x.savant-y", whose names begin like its own.
TEST_F(Paths, AWriterOfXLeavesTheNamesOfXSavantYAlone) {
  const fs::path x = root_ / "x", other = root_ / "x.savant-y";
  ASSERT_EQ(savant(reproduce_args(x)).exit_code, 0);
  const int pid = spawn_savant(reproduce_args(other, 3, 200));
  bool staged = false;
  while (!staged) {
    for (const auto& entry : fs::directory_iterator(root_)) {
      staged = staged || entry.path().filename().string().starts_with(".x.savant-y.savant-");
    }
    int status = 0;
    ASSERT_NE(::waitpid(pid, &status, WNOHANG), pid) << "the writer of x.savant-y ended first";
    std::this_thread::sleep_for(std::chrono::microseconds(100));
  }
  ::kill(pid, SIGSTOP);  // held while it writes, whatever the machine's speed
  const CommandResult r = savant({"report", x.string()});  // takes x's lock, cleans x's names
  EXPECT_EQ(r.exit_code, 0) << r.output;
  EXPECT_TRUE(fs::exists(root_ / ".x.savant-y.lock"));
  ::kill(pid, SIGCONT);
  EXPECT_EQ(wait_for(pid), 0);
  EXPECT_EQ(read_json_file(other / "results.json")["config"]["seed"], 3);
}

// A kill while train or report writes its file leaves a temporary; the next writer of that
// file, or of the run directory it lies in, removes it.
TEST_F(Paths, TemporariesOfKilledWritersAreRemoved) {
  const fs::path models = root_ / "models";
  fs::create_directories(models);
  const fs::path model = models / "m.safetensors";
  ASSERT_TRUE(kill_while_writing(train_args(model, "2048"), models))
      << "no kill landed while the model was written";
  ASSERT_EQ(savant(train_args(model)).exit_code, 0);
  EXPECT_TRUE(temporaries_in(models).empty());

  const fs::path run = root_ / "run";
  ASSERT_EQ(savant(reproduce_args(run)).exit_code, 0);
  ASSERT_TRUE(kill_while_writing({"report", run.string()}, run))
      << "no kill landed while the page was written";
  const CommandResult r = savant(reproduce_args(run, 2));
  EXPECT_EQ(r.exit_code, 0) << r.output;
  EXPECT_TRUE(temporaries_in(run).empty());
}

// Output paths that could only fail after the work fail before it: a name too long for what
// savant puts beside it, a path too long, a path that is not UTF-8 (savant records its paths in
// JSON, which is UTF-8 text).
TEST_F(Paths, OutputPathsAreCheckedBeforeAnyWork) {
  const std::string long_name(250, 'm');
  CommandResult r = savant(train_args(root_ / long_name, "8"));
  EXPECT_EQ(r.exit_code, 2) << r.output;
  EXPECT_NE(r.output.find("choose a name of at most 244 bytes"), std::string::npos) << r.output;
  fs::path deep = root_;
  for (int i = 0; i < 25; ++i) deep /= std::string(200, 'd');
  r = savant(train_args(deep / "m.safetensors"));
  EXPECT_EQ(r.exit_code, 2) << r.output;
  EXPECT_NE(r.output.find("the system allows 4095"), std::string::npos) << r.output;
  EXPECT_FALSE(fs::exists(root_ / std::string(200, 'd')));

  for (const std::vector<std::string>& args :
       {reproduce_args(root_ / "run\xff"), train_args(root_ / "m\xfe.safetensors")}) {
    r = savant(args);
    EXPECT_EQ(r.exit_code, 2) << r.output;
    EXPECT_NE(r.output.find("is not UTF-8 text"), std::string::npos) << r.output;
  }
  const fs::path latin1 = root_ /
                          "donn\xe9"
                          "es";
  fs::copy(data_, latin1);
  r = savant({"reproduce", "--data", latin1.string(), "--out", (root_ / "run").string()});
  EXPECT_EQ(r.exit_code, 2) << r.output;
  EXPECT_NE(r.output.find("donn\\xe9es': is not UTF-8 text"), std::string::npos) << r.output;
  EXPECT_EQ(names_in(root_), (std::set<std::string>{"data",
                                                    "donn\xe9"
                                                    "es"}));
  // Paths a command only reads are named in its --json output: the same rule.
  ASSERT_EQ(savant(train_args(root_ / "m.safetensors")).exit_code, 0);
  fs::copy_file(root_ / "m.safetensors", root_ / "m\xff.safetensors");
  r = savant({"eval", "--model", (root_ / "m\xff.safetensors").string(), "--data", data_.string(),
              "--json"});
  EXPECT_EQ(r.exit_code, 2) << r.output;
  EXPECT_NE(r.output.find("the model '" + root_.string() + "/m\\xff.safetensors' is not UTF-8"),
            std::string::npos)
      << r.output;
}

// Two outputs of one command that are one file: refused, however the second is spelled.
TEST_F(Paths, TwoOutputsOfOneCommandAreNotOneFile) {
  const fs::path db = root_ / "one.sqlite";
  ASSERT_EQ(run_command(fmt::format("{} sweep --data '{}' --db '{}' --grid 4 --train-on original "
                                    "--epochs 1 --hidden 8 --seeds 1",
                                    savant_binary(), data_.string(), db.string()))
                .exit_code,
            0);
  fs::create_directories(root_ / "sub");
  for (const char* png : {"same.html", "sub/../same.html"}) {
    const CommandResult r =
        savant({"report", "--db", db.string(), "--out", (root_ / "same.html").string(), "--png",
                (root_ / png).string()});
    EXPECT_EQ(r.exit_code, 2) << r.output;
    EXPECT_NE(r.output.find("are the same file"), std::string::npos) << r.output;
  }
  EXPECT_FALSE(fs::exists(root_ / "same.html"));
}

}  // namespace
}  // namespace savant::testing
