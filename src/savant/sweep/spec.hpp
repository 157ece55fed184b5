#pragma once
// What a sweep runs (docs/SWEEPS.md): lists of values for the configuration's settings, from
// the command line or a TOML file, expanded into their cartesian product times the seeds.

#include <cstdint>
#include <filesystem>
#include <functional>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "savant/sweep/job.hpp"

namespace savant {

struct SweepSpec {
  // The settings a sweep takes once (data, train_limit, threads: the jobs run at once, engine)
  // and the value of every axis the sweep does not list.
  ExperimentConfig base;
  // The listed values of the axes (the settings marked kSweepAxis, experiment/settings.hpp), as
  // text that set_field parses, by setting name.
  std::map<std::string, std::vector<std::string>, std::less<>> axes;
  std::vector<Regime> train_on{{RegimeKind::kOriginal, 0}, {RegimeKind::kShuffled, 0}};
  std::size_t seeds = 1;  // seeds first_seed .. first_seed + seeds - 1
  std::uint64_t first_seed = 0;
  // Each job's trained model kept beside the database (driver.hpp, models_directory).
  bool keep_models = false;

  // The values of axis `setting` as text: those listed, or the base's one.
  std::vector<std::string> values(std::string_view setting) const;
};

// Sets `setting` (a setting a sweep takes, by name or old name; or train_on, seeds, first_seed,
// keep_models: true or false)
// from its values as text, each parsed as set_field parses it (experiment/config.hpp): a list
// for an axis, one value for the others. Throws InvalidSetting naming the setting, or
// UsageError for an unknown one.
void set_sweep_option(SweepSpec& spec, std::string_view setting,
                      const std::vector<std::string>& values);

// A sweep file: the settings as keys (train_on or train-on; a setting's old name, such as lr,
// too), each a value or an array. `given_on_command_line(setting)`: the settings the file does not
// override. `db` is returned through `db` when present. Throws UsageError naming the file, line and
// key.
void load_sweep_file(const std::filesystem::path& path, SweepSpec& spec, std::filesystem::path* db,
                     const std::function<bool(std::string_view)>& given_on_command_line = {});
// The same on the file's text; `source` names it in errors. load_sweep_file reads the file and
// calls this: the fuzz harness fuzz_sweep_toml tests it on text.
void parse_sweep_text(std::string_view text, std::string_view source, SweepSpec& spec,
                      std::filesystem::path* db,
                      const std::function<bool(std::string_view)>& given_on_command_line = {});

// The most jobs one sweep may have: a million models of a few seconds each is already years of
// one core; more is a mistake on the command line (a range too long), and expanding it would
// take gigabytes before anything runs.
inline constexpr std::size_t kMaxSweepJobs = 1'000'000;

// One dimension of a sweep: an axis setting's values (kSweepAxis), or the training regimes,
// which follow the shuffle mode (kRegimeFollows, job.hpp).
struct SweepAxis {
  std::string name;
  std::size_t size = 0;
  std::function<void(JobConfig&, std::size_t)> apply;  // sets the axis' i-th value
};
// The axes in the order jobs are expanded (the last fastest) and counted.
std::vector<SweepAxis> sweep_axes(const SweepSpec& spec);

// The number of jobs of the sweep before duplicates are dropped: the product of the lists'
// sizes and the number of seeds, without building any job. Throws UsageError when it exceeds
// kMaxSweepJobs (or overflows), with the count and the factors in the message.
std::size_t count_jobs(const SweepSpec& spec);

// Checks the number of jobs (count_jobs), then every value of every list as
// validate(ExperimentConfig) checks one configuration, before any work (grid against the
// images is checked once they are loaded). Throws InvalidSetting naming the field.
void validate(const SweepSpec& spec);

// Every job, seed outermost (all configurations of seed 0 first, so that an interrupted sweep
// has something for every configuration), duplicates dropped, in a fixed order.
std::vector<JobConfig> expand_jobs(const SweepSpec& spec, std::uint32_t data_digest);

// --shard K/N: the jobs whose index in expand_jobs' order is K-1 modulo N.
struct Shard {
  std::size_t index = 1, count = 1;  // 1 <= index <= count
};
Shard parse_shard(std::string_view text);  // "K/N"; throws UsageError
std::vector<JobConfig> select_shard(const std::vector<JobConfig>& jobs, Shard shard);

}  // namespace savant
