// Outputs are whole sets (docs/RELIABILITY.md), through the real binary: each test is
// one row of the table of cases a hostile user tried, and shows the behaviour that replaced it.
// Kills and full disks at any moment leave one complete, consistent set; a second writer is
// refused; no command writes over its inputs, over links or devices, or mixes two runs.

#include <gtest/gtest.h>
#include <signal.h>
#include <sys/stat.h>
#include <unistd.h>

#include <chrono>
#include <fstream>
#include <random>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "savant/core/checksum.hpp"
#include "savant/core/error.hpp"
#include "savant/data/dataset.hpp"
#include "savant/experiment/outputs.hpp"
#include "savant/experiment/run_set.hpp"
#include "savant/formats/safetensors.hpp"
#include "savant/model/network.hpp"
#include "support/test_support.hpp"

namespace savant::testing {
namespace {
namespace fs = std::filesystem;

// What a run with the default options writes (outputs.hpp).
const std::vector<std::string> kRunNames = run_output_names(kDefaultFigureFormats);
const std::set<std::string> kRunFiles(kRunNames.begin(), kRunNames.end());

std::set<std::string> names_in(const fs::path& dir) {
  std::set<std::string> names;
  for (const auto& entry : fs::directory_iterator(dir)) {
    names.insert(entry.path().filename().string());
  }
  return names;
}

// The run id of the complete, consistent run directory `dir`: every file there, none other,
// each as its results.json's manifest says, and both models written by that run. Adds a test
// failure (and returns "") otherwise.
std::string consistent_run(const fs::path& dir) {
  if (names_in(dir) != kRunFiles) {
    ADD_FAILURE() << dir << " does not hold exactly a run's files";
    return "";
  }
  const nlohmann::json results = read_json_file(dir / "results.json");
  try {
    check_manifest(dir, results);
  } catch (const Error& e) {
    ADD_FAILURE() << e.what();
    return "";
  }
  const std::string id = results["run"]["id"];
  for (const char* model : {"original_model.safetensors", "shuffled_model.safetensors"}) {
    EXPECT_EQ(read_safetensors(dir / model).metadata.at("run_id"), id) << model;
  }
  return id;
}

// The seed of the complete, consistent shuffled data set in `dir`; "" (and a failure) if not.
std::string consistent_export(const fs::path& dir) {
  const std::set<std::string> expected = {"shuffle.json", "train-images-idx3-ubyte.gz",
                                          "train-labels-idx1-ubyte.gz", "t10k-images-idx3-ubyte.gz",
                                          "t10k-labels-idx1-ubyte.gz"};
  if (names_in(dir) != expected) {
    ADD_FAILURE() << dir << " does not hold exactly a shuffled data set's files";
    return "";
  }
  const nlohmann::json manifest = read_json_file(dir / "shuffle.json");
  try {
    check_manifest(dir, manifest);
    (void)load_dataset(dir);
  } catch (const Error& e) {
    ADD_FAILURE() << e.what();
    return "";
  }
  return std::to_string(manifest["seed"].get<std::uint64_t>());
}

// Nothing of a writer is left beside `target`: no staging directory, no lock.
void expect_nothing_beside(const fs::path& target) {
  const std::string prefix = fmt::format(".{}.", target.filename().string());
  for (const auto& entry : fs::directory_iterator(target.parent_path())) {
    EXPECT_FALSE(entry.path().filename().string().starts_with(prefix)) << entry.path();
  }
}

// Waits until a staging directory beside `target` holds `n` entries (the set is being
// written): true then, the process still running; false when the process ended first.
bool wait_for_staged_files(int pid, const fs::path& target, std::size_t n, int* code) {
  const std::string prefix = fmt::format(".{}.savant-", target.filename().string());
  for (;;) {
    std::error_code ec;
    for (fs::directory_iterator it(target.parent_path(), ec), end; !ec && it != end;
         it.increment(ec)) {
      if (!it->path().filename().string().starts_with(prefix)) continue;
      std::size_t count = 0;
      for (fs::directory_iterator f(it->path(), ec); !ec && f != end; f.increment(ec)) ++count;
      if (count >= n) return true;
    }
    int status = 0;
    if (::waitpid(pid, &status, WNOHANG) == pid) {
      *code = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
      return false;
    }
    std::this_thread::sleep_for(std::chrono::microseconds(50));
  }
}

class OutputSets : public ::testing::Test {
 protected:
  void SetUp() override {
    // Labels a network can learn: those a random teacher network gives (so that a run with a
    // sound learning rate learns, and one with a broken one visibly does not).
    Split train = random_split(3000, 16, 16, 10, 1), test = random_split(500, 16, 16, 10, 2);
    Network teacher(dense_layout(256, 32, 1, 10));
    glorot_uniform_init(teacher, 7);
    train.labels = predicted_labels(teacher, train.images);
    test.labels = predicted_labels(teacher, test.images);
    write_dataset(data_, train, test, false);
  }
  std::vector<std::string> reproduce_args(const fs::path& out, int seed, int epochs = 2) const {
    return {"reproduce",
            "--data",
            data_.string(),
            "--out",
            out.string(),
            "--hidden",
            "64",
            "--seed",
            std::to_string(seed),
            "--epochs",
            std::to_string(epochs),
            "--threads",
            "1"};
  }
  std::string reproduce_command(const fs::path& out, int seed) const {
    std::string command = savant_binary();
    for (const std::string& a : reproduce_args(out, seed)) command += " '" + a + "'";
    return command;
  }
  std::vector<std::string> shuffle_args(const fs::path& out, int seed) const {
    return {"shuffle", "--data",    data_.string(), "--out",  out.string(),        "--grid",
            "4",       "--shuffle", "derange",      "--seed", std::to_string(seed)};
  }
  TempDir dir_;
  fs::path data_ = dir_ / "data";
};

// Rows 1 and 6, and the "done when": 50 SIGKILLs at random moments of reruns with
// alternating seeds, half of them while the set is being written.
TEST_F(OutputSets, KilledReproduceLeavesOneCompleteSet) {
  const fs::path out = dir_ / "out";
  const auto start = std::chrono::steady_clock::now();
  ASSERT_EQ(wait_for(spawn_savant(reproduce_args(out, 1))), 0);
  const long full_us = std::chrono::duration_cast<std::chrono::microseconds>(
                           std::chrono::steady_clock::now() - start)
                           .count();
  std::set<std::string> ids = {consistent_run(out)};

  const unsigned seed = std::random_device{}();
  SCOPED_TRACE("kill moments drawn with seed " + std::to_string(seed));
  std::mt19937 rng(seed);
  int mid_set = 0;
  for (int k = 0; k < 50; ++k) {
    const int pid = spawn_savant(reproduce_args(out, 2 + k % 2));
    int code = 0;
    if (k % 2 == 0) {
      const long wait_us = std::uniform_int_distribution<long>(0, full_us * 11 / 10)(rng);
      SCOPED_TRACE(fmt::format("kill {} after {} us", k, wait_us));
      std::this_thread::sleep_for(std::chrono::microseconds(wait_us));
      ::kill(pid, SIGKILL);
      code = wait_for(pid);
    } else {
      const std::size_t n = std::uniform_int_distribution<std::size_t>(1, 9)(rng);
      SCOPED_TRACE(fmt::format("kill {} with {} file(s) staged", k, n));
      if (wait_for_staged_files(pid, out, n, &code)) {
        ::kill(pid, SIGKILL);
        code = wait_for(pid);
        ++mid_set;
      }
    }
    EXPECT_TRUE(code == 128 + SIGKILL || code == 0) << "exit code " << code;
    ids.insert(consistent_run(out));
    if (k % 10 == 9) {
      // What a user does next: the page and the evaluation accept the set.
      EXPECT_EQ(run_command(fmt::format("{} report '{}' --data '{}'", savant_binary(), out.string(),
                                        data_.string()))
                    .exit_code,
                0);
      EXPECT_EQ(
          run_command(fmt::format("{} eval --model '{}' --data '{}'", savant_binary(),
                                  (out / "shuffled_model.safetensors").string(), data_.string()))
              .exit_code,
          0);
    }
  }
  EXPECT_GE(mid_set, 10) << "too few kills landed while the set was being written";
  // A run that finishes removes what the killed ones left beside the directory.
  ASSERT_EQ(wait_for(spawn_savant(reproduce_args(out, 9))), 0);
  consistent_run(out);
  expect_nothing_beside(out);
}

// Row 6 and the "done when": 50 SIGKILLs of `shuffle` re-exports with alternating seeds.
TEST_F(OutputSets, KilledShuffleLeavesOneCompleteDataSet) {
  const fs::path out = dir_ / "shuffled";
  const auto start = std::chrono::steady_clock::now();
  ASSERT_EQ(wait_for(spawn_savant(shuffle_args(out, 1))), 0);
  const long full_us = std::chrono::duration_cast<std::chrono::microseconds>(
                           std::chrono::steady_clock::now() - start)
                           .count();
  const unsigned seed = std::random_device{}();
  SCOPED_TRACE("kill moments drawn with seed " + std::to_string(seed));
  std::mt19937 rng(seed);
  std::set<std::string> seeds;
  for (int k = 0; k < 50; ++k) {
    const int pid = spawn_savant(shuffle_args(out, 1 + k % 2));
    const long wait_us = std::uniform_int_distribution<long>(0, full_us * 11 / 10)(rng);
    SCOPED_TRACE(fmt::format("kill {} after {} us", k, wait_us));
    std::this_thread::sleep_for(std::chrono::microseconds(wait_us));
    ::kill(pid, SIGKILL);
    const int code = wait_for(pid);
    EXPECT_TRUE(code == 128 + SIGKILL || code == 0) << "exit code " << code;
    seeds.insert(consistent_export(out));
  }
  ASSERT_EQ(wait_for(spawn_savant(shuffle_args(out, 3))), 0);
  EXPECT_EQ(consistent_export(out), "3");
  expect_nothing_beside(out);
}

// Row 2, portable form: a write that fails part-way (here RLIMIT_FSIZE, at sizes that stop it
// at different files) leaves the earlier set as it was.
TEST_F(OutputSets, FailedWriteLeavesTheEarlierSet) {
  const fs::path out = dir_ / "out";
  ASSERT_EQ(wait_for(spawn_savant(reproduce_args(out, 1))), 0);
  int failed = 0;
  for (int blocks : {20, 200, 1000, 3000, 6000}) {
    SCOPED_TRACE(fmt::format("ulimit -f {}", blocks));
    const std::string before = file_text(out / "results.json");
    const CommandResult r = run_command(fmt::format("sh -c 'ulimit -f {}; exec \"$0\" \"$@\"' {}",
                                                    blocks, reproduce_command(out, 2 + blocks)));
    consistent_run(out);
    expect_nothing_beside(out);
    if (r.exit_code == 0) {  // the limit was high enough: the new set, whole
      EXPECT_EQ(read_json_file(out / "results.json")["config"]["seed"], 2 + blocks);
    } else {
      ++failed;
      EXPECT_TRUE(file_text(out / "results.json") == before) << "the earlier set was changed";
    }
  }
  EXPECT_GE(failed, 2) << "no limit made the write fail";
}

// Row 2 as the issue tried it: a real full disk (a small tmpfs, mounted in a private mount
// namespace; needs root, as CI has).
TEST_F(OutputSets, FullDiskLeavesTheEarlierSet) {
  if (::geteuid() != 0) GTEST_SKIP() << "mounting a tmpfs needs root";
  int failed = 0;
  for (int kb : {2400, 2900, 3400, 4000}) {
    SCOPED_TRACE(fmt::format("tmpfs of {} KB", kb));
    const fs::path disk = dir_ / fmt::format("disk{}", kb);
    fs::create_directories(disk);
    const fs::path out = disk / "run";
    // Inside the namespace: a first run, its results.json kept aside, a second run, and what
    // the directory then holds, copied out before the mount goes. In a chroot (the fresh-machine
    // stage) "/" is no mount point, so unshare keeps the propagation it finds and the script
    // makes its mounts private where it can and unmounts the tmpfs itself on every exit.
    const std::string script = fmt::format(
        "mount --make-rprivate / 2>/dev/null; trap \"umount '{disk}'\" EXIT; "
        "mount -t tmpfs -o size={kb}k tmpfs '{disk}' || exit 90; {first} >/dev/null 2>&1 || exit "
        "91; "
        "cp '{out}/results.json' '{dir}/before.json'; {second} >'{dir}/second.log' 2>&1; "
        "echo $? >'{dir}/code'; mkdir '{dir}/after' && cp -a '{out}/.' '{dir}/after/' && "
        "ls -a '{disk}' >'{dir}/listing'",
        fmt::arg("kb", kb), fmt::arg("disk", disk.string()),
        fmt::arg("first", reproduce_command(out, 1)), fmt::arg("second", reproduce_command(out, 2)),
        fmt::arg("out", out.string()), fmt::arg("dir", dir_.path().string()));
    { std::ofstream(dir_ / "full-disk.sh") << script << "\n"; }
    const CommandResult r = run_command("unshare -m --propagation unchanged sh '" +
                                        (dir_ / "full-disk.sh").string() + "'");
    ASSERT_EQ(r.exit_code, 0) << r.output;
    const int code = std::stoi(file_text(dir_ / "code"));
    SCOPED_TRACE(file_text(dir_ / "second.log"));
    const std::string id = consistent_run(dir_ / "after");
    if (code != 0) {
      ++failed;
      EXPECT_EQ(file_text(dir_ / "after" / "results.json"), file_text(dir_ / "before.json"));
      EXPECT_NE(file_text(dir_ / "second.log").find("No space left"), std::string::npos);
    }
    EXPECT_EQ(file_text(dir_ / "listing"), ".\n..\nrun\n");
    fs::remove_all(dir_ / "after");
  }
  EXPECT_GE(failed, 1) << "no disk was small enough to make the second run fail";
}

// Row 3: a second writer of the same directory is refused at once, naming the first.
TEST_F(OutputSets, SecondWriterIsRefusedWhileTheFirstRuns) {
  const fs::path out = dir_ / "same";
  const int first = spawn_savant(reproduce_args(out, 1, 6));
  const fs::path lock = dir_ / ".same.lock";
  while (!fs::exists(lock)) std::this_thread::sleep_for(std::chrono::milliseconds(1));
  const CommandResult second = run_command(reproduce_command(out, 2));
  EXPECT_EQ(second.exit_code, 4);  // the system's lock (EWOULDBLOCK)
  EXPECT_NE(second.output.find(fmt::format("in use by process {}", first)), std::string::npos)
      << second.output;
  EXPECT_EQ(wait_for(first), 0);
  consistent_run(out);
  EXPECT_EQ(read_json_file(out / "results.json")["config"]["seed"], 1);
  expect_nothing_beside(out);
}

// Row 4: a data set is never overwritten by its own shuffled copy.
TEST_F(OutputSets, ShuffleRefusesToWriteOverItsSource) {
  const std::string before = file_sha256(data_ / "train-images-idx3-ubyte");
  const CommandResult r = run_command(
      fmt::format("{} shuffle --data '{}' --out '{}/.' --grid 4 --shuffle derange --seed 1",
                  savant_binary(), data_.string(), data_.string()));
  EXPECT_EQ(r.exit_code, 2);  // usage: the output and the input given are one
  EXPECT_NE(r.output.find("would write over what it reads"), std::string::npos) << r.output;
  EXPECT_EQ(file_sha256(data_ / "train-images-idx3-ubyte"), before);
  // A shuffled set cannot be shuffled again in place either.
  ASSERT_EQ(wait_for(spawn_savant(shuffle_args(dir_ / "s", 1))), 0);
  EXPECT_EQ(run_command(fmt::format("{} shuffle --data '{}' --out '{}' --grid 4 --shuffle "
                                    "derange --seed 2",
                                    savant_binary(), (dir_ / "s").string(), (dir_ / "s").string()))
                .exit_code,
            2);
  EXPECT_EQ(consistent_export(dir_ / "s"), "1");
}

// Row 5: an export never lands beside raw IDX files that every reader would prefer.
TEST_F(OutputSets, ShuffleRefusesADirectoryOfRawIdxFiles) {
  const fs::path raw = dir_ / "raw";
  write_dataset(raw, random_split(10, 16, 16, 10, 3), random_split(10, 16, 16, 10, 4), false);
  const std::set<std::string> before = names_in(raw);
  const CommandResult r = run_command(
      fmt::format("{} shuffle --data '{}' --out '{}' --grid 4 --shuffle derange --seed 1",
                  savant_binary(), data_.string(), raw.string()));
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(r.output.find("which this command does not write"), std::string::npos) << r.output;
  EXPECT_EQ(names_in(raw), before);
}

// Row 7: no output over an input, by device and inode: the sweep database stays a database.
TEST_F(OutputSets, ReportNeverWritesOverItsDatabase) {
  const fs::path db = dir_ / "one.sqlite";
  ASSERT_EQ(run_command(fmt::format("{} sweep --data '{}' --db '{}' --grid 4 --train-on original "
                                    "--epochs 1 --hidden 8 --seeds 1",
                                    savant_binary(), data_.string(), db.string()))
                .exit_code,
            0);
  const std::string before = file_sha256(db);
  fs::copy_file(db, dir_ / "res.html");
  fs::create_symlink(db, dir_ / "link.html");
  for (const std::string& args :
       {fmt::format("--db '{}'", (dir_ / "res.html").string()),
        fmt::format("--db '{}' --out '{}'", db.string(), db.string()),
        fmt::format("--db '{}' --out '{}'", db.string(), (dir_ / "link.html").string())}) {
    const CommandResult r = run_command(savant_binary() + " report " + args);
    EXPECT_EQ(r.exit_code, 2) << args;  // usage
    EXPECT_NE(r.output.find("would write over what it reads"), std::string::npos) << r.output;
  }
  EXPECT_EQ(file_sha256(db), before);
  EXPECT_EQ(file_sha256(dir_ / "res.html"), before);
}

// Row 8: a link or a special file at the output path is refused, not replaced.
TEST_F(OutputSets, LinksAndSpecialFilesAreNotReplaced) {
  const fs::path target = dir_ / "target.safetensors";
  { std::ofstream(target) << "keep"; }
  fs::create_symlink(target, dir_ / "link.safetensors");
  ASSERT_EQ(::mkfifo((dir_ / "fifo").c_str(), 0644), 0);
  for (const std::string name : {"link.safetensors", "fifo"}) {
    const CommandResult r = run_command(
        fmt::format("{} train --data '{}' --out '{}' --train-on original --epochs 1 --hidden 8",
                    savant_binary(), data_.string(), (dir_ / name).string()));
    EXPECT_EQ(r.exit_code, 1) << name;
    EXPECT_NE(r.output.find("savant only replaces regular files"), std::string::npos) << r.output;
  }
  EXPECT_TRUE(fs::is_symlink(dir_ / "link.safetensors"));
  EXPECT_TRUE(fs::is_fifo(dir_ / "fifo"));
  EXPECT_EQ(file_text(target), "keep");
  // A run directory given as a link to one is refused too.
  fs::create_directories(dir_ / "real");
  fs::create_directory_symlink(dir_ / "real", dir_ / "dirlink");
  const CommandResult r = run_command(reproduce_command(dir_ / "dirlink", 1));
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(r.output.find("is not a directory but a symbolic link"), std::string::npos) << r.output;
}

// Row 10: training that does not learn is said, on stderr, in results.json and on the page;
// --learning-rate messages quote what was typed.
TEST_F(OutputSets, TrainingThatDoesNotLearnIsReported) {
  const fs::path out = dir_ / "out";
  const CommandResult r = run_command(reproduce_command(out, 1) + " --learning-rate 1000");
  ASSERT_EQ(r.exit_code, 0) << r.output;
  EXPECT_NE(r.output.find("savant: warning: original_model did not learn"), std::string::npos)
      << r.output;
  const nlohmann::json warnings = read_json_file(out / "results.json")["warnings"];
  ASSERT_FALSE(warnings.empty());
  EXPECT_NE(file_text(out / "report.html").find("did not learn"), std::string::npos);
  // A learning rate that does learn gives no warning.
  const CommandResult good = run_command(reproduce_command(dir_ / "good", 1));
  EXPECT_EQ(good.output.find("did not learn"), std::string::npos) << good.output;
  EXPECT_TRUE(read_json_file(dir_ / "good" / "results.json")["warnings"].empty());

  const CommandResult tiny =
      run_command(reproduce_command(dir_ / "tiny", 1) + " --learning-rate 1e-50");
  EXPECT_EQ(tiny.exit_code, 2);
  EXPECT_NE(tiny.output.find("--learning-rate '1e-50'"), std::string::npos) << tiny.output;
}

// Row 11: the paths a run stores are absolute, so its page is drawn from its own data from any
// directory.
TEST_F(OutputSets, StoredPathsAreAbsolute) {
  fs::create_directories(dir_ / "a");
  write_dataset(dir_ / "a" / "threeclass", random_split(300, 16, 16, 3, 5),
                random_split(60, 16, 16, 3, 6), false);
  ASSERT_EQ(run_command(fmt::format("cd '{}' && {} reproduce --data threeclass --out run "
                                    "--epochs 1 --hidden 8 --threads 1",
                                    (dir_ / "a").string(), savant_binary()))
                .exit_code,
            0);
  const fs::path run = dir_ / "a" / "run";
  EXPECT_EQ(read_json_file(run / "results.json")["config"]["data"],
            (dir_ / "a" / "threeclass").string());
  // Another directory with another "threeclass", of another image size: read it and the page
  // could not be drawn.
  fs::create_directories(dir_ / "b");
  write_dataset(dir_ / "b" / "threeclass", random_split(30, 8, 8, 3, 7),
                random_split(30, 8, 8, 3, 8), false);
  const CommandResult r = run_command(fmt::format(
      "cd '{}' && {} report '{}'", (dir_ / "b").string(), savant_binary(), run.string()));
  EXPECT_EQ(r.exit_code, 0) << r.output;
}

// Row 12: files honour the umask, and a file replaced keeps its permissions.
TEST_F(OutputSets, FilesHonourTheUmaskAndKeepTheirPermissions) {
  const fs::path out = dir_ / "private";
  ASSERT_EQ(run_command("umask 077 && " + reproduce_command(out, 1)).exit_code, 0);
  struct stat st {};
  ASSERT_EQ(::stat(out.c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0700u);
  for (const std::string& name : kRunFiles) {
    ASSERT_EQ(::stat((out / name).c_str(), &st), 0);
    EXPECT_EQ(st.st_mode & 0777, 0600u) << name;
  }
  const fs::path model = dir_ / "m.safetensors";
  const std::string train =
      fmt::format("{} train --data '{}' --out '{}' --train-on original --epochs 1 --hidden 8",
                  savant_binary(), data_.string(), model.string());
  ASSERT_EQ(run_command("umask 022 && " + train).exit_code, 0);
  ASSERT_EQ(::stat(model.c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0644u);
  ASSERT_EQ(::chmod(model.c_str(), 0600), 0);
  ASSERT_EQ(run_command("umask 022 && " + train).exit_code, 0);
  ASSERT_EQ(::stat(model.c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0600u);
  // The same for a run directory written over a private one.
  ASSERT_EQ(run_command("umask 022 && " + reproduce_command(out, 2)).exit_code, 0);
  ASSERT_EQ(::stat((out / "original_model.safetensors").c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0600u);
}

// Row 15: model metadata is range-checked like the command line; eval warns when a `fixed`
// model is tested on another seed's derangement.
TEST_F(OutputSets, ModelMetadataIsRangeCheckedAndFixedSeedsCompared) {
  const fs::path model = dir_ / "fixed.safetensors";
  ASSERT_EQ(run_command(fmt::format("{} train --data '{}' --out '{}' --train-on shuffled --grid 4 "
                                    "--shuffle fixed --seed 1 --epochs 1 --hidden 8",
                                    savant_binary(), data_.string(), model.string()))
                .exit_code,
            0);
  const std::string eval = fmt::format("{} eval --model '{}' --data '{}'", savant_binary(),
                                       model.string(), data_.string());
  EXPECT_EQ(run_command(eval).output.find("another derangement"), std::string::npos);
  const CommandResult other = run_command(eval + " --seed 2");
  EXPECT_EQ(other.exit_code, 0) << other.output;
  EXPECT_NE(other.output.find("another derangement, so another task"), std::string::npos)
      << other.output;

  TensorFile file = read_safetensors(model);
  nlohmann::json config = nlohmann::json::parse(file.metadata.at("config"));
  config["seed"] = -1;
  file.metadata["config"] = config.dump();
  write_safetensors(dir_ / "bad.safetensors", file);
  const CommandResult bad =
      run_command(fmt::format("{} eval --model '{}' --data '{}'", savant_binary(),
                              (dir_ / "bad.safetensors").string(), data_.string()));
  EXPECT_EQ(bad.exit_code, 1);
  EXPECT_NE(bad.output.find("'seed' has the wrong type or range: -1"), std::string::npos)
      << bad.output;
}

// A set mixed by hand is refused by report and eval, naming the file.
TEST_F(OutputSets, MixedSetIsRefused) {
  ASSERT_EQ(wait_for(spawn_savant(reproduce_args(dir_ / "one", 1))), 0);
  ASSERT_EQ(wait_for(spawn_savant(reproduce_args(dir_ / "two", 2))), 0);
  fs::copy_file(dir_ / "two" / "shuffled_model.safetensors",
                dir_ / "one" / "shuffled_model.safetensors", fs::copy_options::overwrite_existing);
  const std::string page_before = file_sha256(dir_ / "one" / "report.html");
  const CommandResult report = run_command(fmt::format(
      "{} report '{}' --data '{}'", savant_binary(), (dir_ / "one").string(), data_.string()));
  EXPECT_EQ(report.exit_code, 1);
  EXPECT_NE(report.output.find("shuffled_model.safetensors' does not belong to run"),
            std::string::npos)
      << report.output;
  EXPECT_EQ(file_sha256(dir_ / "one" / "report.html"), page_before);
  const CommandResult eval = run_command(
      fmt::format("{} eval --model '{}' --data '{}'", savant_binary(),
                  (dir_ / "one" / "shuffled_model.safetensors").string(), data_.string()));
  EXPECT_EQ(eval.exit_code, 1);
  EXPECT_NE(eval.output.find("does not belong to run"), std::string::npos) << eval.output;
  // The other model of the set is still its own.
  EXPECT_EQ(run_command(fmt::format("{} eval --model '{}' --data '{}'", savant_binary(),
                                    (dir_ / "one" / "original_model.safetensors").string(),
                                    data_.string()))
                .exit_code,
            0);
}

// What savant did not write is never deleted: a directory of the user's is refused whole.
TEST_F(OutputSets, ForeignFilesAreNeverDeleted) {
  const fs::path out = dir_ / "mine";
  fs::create_directories(out);
  { std::ofstream(out / "notes.txt") << "mine"; }
  const CommandResult r = run_command(reproduce_command(out, 1));
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(r.output.find("holds 'notes.txt'"), std::string::npos) << r.output;
  EXPECT_EQ(names_in(out), std::set<std::string>{"notes.txt"});
  expect_nothing_beside(out);
}

// What a killed writer left beside a directory is removed by the next command that writes
// there, `report` included.
TEST_F(OutputSets, NextWriterRemovesWhatDeadOnesLeft) {
  const fs::path out = dir_ / "out";
  ASSERT_EQ(wait_for(spawn_savant(reproduce_args(out, 1))), 0);
  const fs::path dead = dir_ / ".out.savant-dead0001";
  fs::create_directories(dead);
  { std::ofstream(dead / "results.json") << "{"; }
  const CommandResult r = run_command(
      fmt::format("{} report '{}' --data '{}'", savant_binary(), out.string(), data_.string()));
  EXPECT_EQ(r.exit_code, 0) << r.output;
  EXPECT_FALSE(fs::exists(dead));
  expect_nothing_beside(out);
}

// No empty directory is left after an error: the set is only created whole.
TEST_F(OutputSets, AnErrorLeavesNoDirectory) {
  const fs::path out = dir_ / "never";
  const CommandResult r = run_command(reproduce_command(out, 1) + " --grid 5");
  EXPECT_NE(r.exit_code, 0);
  EXPECT_FALSE(fs::exists(out));
  expect_nothing_beside(out);
}

}  // namespace
}  // namespace savant::testing
