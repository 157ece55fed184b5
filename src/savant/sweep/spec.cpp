#include "savant/sweep/spec.hpp"

#include <algorithm>
#include <charconv>
#include <map>
#include <set>

#include <fmt/format.h>
#include <fmt/ranges.h>
#include <toml++/toml.h>

#include "savant/core/error.hpp"
#include "savant/core/input_file.hpp"
#include "savant/experiment/settings.hpp"

namespace savant {
namespace {

// toml++ limits the nesting of arrays and inline tables (256) but not of dotted keys: a key
// x.x.x... 40,000 deep overflows its recursion over the tables it makes. Each level of any
// nesting needs one '.', '[' or '{' outside strings and comments, so their count bounds the
// depth; a sweep file is a flat list of settings and has a few dozen.
constexpr std::size_t kMaxSweepMarks = 1024;

std::size_t nesting_marks(std::string_view text) {
  std::size_t marks = 0;
  for (std::size_t i = 0; i < text.size(); ++i) {
    const char c = text[i];
    if (c == '#') {  // a comment, to the end of the line
      i = text.find('\n', i);
      if (i == std::string_view::npos) break;
    } else if (c == '"' || c == '\'') {  // a string: basic or literal, one line or multi-line
      const bool multi = text.substr(i, 3) == std::string(3, c);
      const std::string_view close = multi ? text.substr(i, 3) : text.substr(i, 1);
      std::size_t j = i + close.size();
      while (j < text.size() && text.compare(j, close.size(), close) != 0 &&
             (multi || text[j] != '\n')) {
        j += c == '"' && text[j] == '\\' ? 2 : 1;  // only basic strings have escapes
      }
      i = j + close.size() - 1;
    } else if (c == '.' || c == '[' || c == '{') {
      ++marks;
    }
  }
  return marks;
}

const std::string& single(const std::vector<std::string>& values, std::string_view setting) {
  if (values.size() != 1) {
    throw InvalidSetting(std::string(setting), fmt::format("{}", fmt::join(values, ",")),
                         fmt::format("takes one value, not a list of {}", values.size()));
  }
  return values.front();
}

template <typename T>
T parse_single(const std::vector<std::string>& values, std::string_view setting) {
  const std::string& text = single(values, setting);
  T value{};
  const char* end = text.data() + text.size();
  auto [ptr, ec] = std::from_chars(text.data(), end, value);
  if (ec != std::errc{} || ptr != end || text.empty()) {
    throw InvalidSetting(std::string(setting), fmt::format("'{}'", text),
                         "not a whole number of 0 or more");
  }
  return value;
}

}  // namespace

std::vector<std::string> SweepSpec::values(std::string_view setting) const {
  if (auto it = axes.find(setting); it != axes.end()) return it->second;
  const Setting* s = find_setting(setting);
  if (s == nullptr) return {};
  return {s->text(base)};
}

void set_sweep_option(SweepSpec& spec, std::string_view setting,
                      const std::vector<std::string>& values) {
  if (values.empty()) throw InvalidSetting(std::string(setting), "", "needs at least one value");
  const Setting* s = find_setting(setting);
  if (setting == "train_on") {
    spec.train_on.clear();
    for (const std::string& v : values) spec.train_on.push_back(parse_regime(v));
  } else if (setting == "seeds") {
    spec.seeds = parse_single<std::size_t>(values, setting);
  } else if (setting == "first_seed") {
    spec.first_seed = parse_single<std::uint64_t>(values, setting);
  } else if (setting == "keep_models") {
    const std::string value = single(values, std::string(setting));
    if (value != "true" && value != "false") {
      throw InvalidSetting(std::string(setting), fmt::format("'{}'", value),
                           "expected true or false");
    }
    spec.keep_models = value == "true";
  } else if (s != nullptr && s->has(kSweepAxis)) {
    // Each value parsed now, and kept as the setting writes it ("1e-3" as "0.001").
    std::vector<std::string> texts;
    for (const std::string& v : values) {
      ExperimentConfig c;
      s->parse(c, v);
      texts.push_back(s->text(c));
    }
    spec.axes[s->name] = std::move(texts);
  } else if (s != nullptr && s->has(kSweepOnce)) {
    s->parse(spec.base, single(values, s->name));
  } else {
    std::vector<std::string> known;
    for (const Setting& k : settings()) {
      if (k.has(kSweepAxis | kSweepOnce)) known.push_back(k.name);
    }
    throw UsageError(
        fmt::format("unknown option '{}'; a sweep knows {}, train_on, seeds, "
                    "first_seed, keep_models and db",
                    setting, fmt::join(known, ", ")));
  }
}

void load_sweep_file(const std::filesystem::path& path, SweepSpec& spec, std::filesystem::path* db,
                     const std::function<bool(std::string_view)>& given_on_command_line) {
  std::error_code ec;
  if (std::filesystem::is_directory(path, ec)) {
    throw UsageError(fmt::format("{} is a directory, expected a sweep file (TOML)", path.string()));
  }
  // A sweep file lists a few values per setting, a few hundred bytes; 1 MiB holds a hundred
  // thousand values, far more than any sweep that runs in a lifetime.
  constexpr std::uint64_t kMaxSweepFile = 1 << 20;
  const std::string text = read_input_file(path, "a sweep file (TOML)", kMaxSweepFile);
  parse_sweep_text(text, path.string(), spec, db, given_on_command_line);
}

void parse_sweep_text(std::string_view text, std::string_view source, SweepSpec& spec,
                      std::filesystem::path* db,
                      const std::function<bool(std::string_view)>& given_on_command_line) {
  const std::string name(source);
  if (const std::size_t marks = nesting_marks(text); marks > kMaxSweepMarks) {
    throw UsageError(fmt::format(
        "{}: {} '.', '[' and '{{' outside strings and comments, more than the {} a sweep file may "
        "hold (each may nest a table one level deeper); a sweep file is a flat list of settings; "
        "nothing was run",
        name, marks, kMaxSweepMarks));
  }
  toml::table table;
  try {
    table = toml::parse(text, name);
  } catch (const toml::parse_error& e) {
    const auto& begin = e.source().begin;
    throw UsageError(fmt::format("{}:{}:{}: not a valid TOML file: {}; nothing was run", name,
                                 begin.line, begin.column, e.description()));
  }
  // Check every key before applying any, so that a bad file changes nothing.
  SweepSpec updated = spec;
  std::filesystem::path db_value;
  std::map<std::string, std::pair<std::string, std::uint32_t>> seen;  // setting -> key, line
  for (const auto& [raw_key, node] : table) {
    // The setting's name: train-on and train_on alike, and a setting's old name (lr).
    std::string key(raw_key.str());
    std::replace(key.begin(), key.end(), '-', '_');
    if (const Setting* setting = find_setting(key)) key = setting->name;
    const auto line = node.source().begin.line;
    const std::string where = fmt::format("{}:{}: {}", name, line, raw_key.str());
    // TOML refuses a key given twice, but not one setting under two spellings: one would win.
    const auto [other, first] = seen.try_emplace(key, std::string(raw_key.str()), line);
    if (!first) {
      const auto& [other_key, other_line] = other->second;
      throw UsageError(fmt::format(
          "{}: '{}' (line {}) and '{}' (line {}) both set {}; keep one of them; nothing was run",
          name, other_key, other_line, raw_key.str(), line, key));
    }
    std::vector<std::string> values;
    auto add = [&](const toml::node& value) {
      if (auto s = value.value_exact<std::string>()) {
        values.push_back(*s);
      } else if (auto i = value.value_exact<std::int64_t>()) {
        values.push_back(std::to_string(*i));
      } else if (auto f = value.value_exact<double>()) {
        values.push_back(fmt::format("{}", *f));
      } else if (auto b = value.value_exact<bool>()) {
        values.push_back(*b ? "true" : "false");
      } else {
        throw UsageError(fmt::format(
            "{}: expected a number, a string or true/false, or an array of them", where));
      }
    };
    if (const toml::array* array = node.as_array()) {
      for (const toml::node& element : *array) add(element);
    } else {
      add(node);
    }
    if (given_on_command_line && given_on_command_line(key)) continue;
    // The file's own place and key in front of the library's message, e.g.
    // "sweep.toml:3: grid 'four': not a whole number".
    try {
      if (key == "db") {
        db_value = single(values, key);
        continue;
      }
      set_sweep_option(updated, key, values);
    } catch (const InvalidSetting& e) {
      throw UsageError(fmt::format("{} {}: {}", where, e.value(), e.problem()));
    } catch (const UsageError& e) {
      throw UsageError(fmt::format("{}: {}", where, e.what()));
    }
  }
  spec = std::move(updated);
  if (db != nullptr && !db_value.empty()) *db = db_value;
}

namespace {

// 5000000 as "5,000,000".
std::string with_thousands(std::size_t n) {
  std::string digits = std::to_string(n), out;
  for (std::size_t i = 0; i < digits.size(); ++i) {
    if (i > 0 && (digits.size() - i) % 3 == 0) out += ',';
    out += digits[i];
  }
  return out;
}

}  // namespace

std::vector<SweepAxis> sweep_axes(const SweepSpec& spec) {
  std::vector<SweepAxis> axes;
  for (const Setting& s : settings()) {
    if (!s.has(kSweepAxis)) continue;
    std::vector<std::string> values = spec.values(s.name);
    axes.push_back({s.name, values.size(),
                    [&s, values](JobConfig& job, std::size_t i) { s.parse(job, values[i]); }});
    if (s.name == kRegimeFollows) {
      axes.push_back({"train_on", spec.train_on.size(),
                      [regimes = spec.train_on](JobConfig& job, std::size_t i) {
                        job.train_on = regimes[i];
                      }});
    }
  }
  return axes;
}

std::size_t count_jobs(const SweepSpec& spec) {
  std::vector<std::pair<std::string, std::size_t>> factors = {{"seeds", spec.seeds}};
  for (const SweepAxis& axis : sweep_axes(spec)) factors.emplace_back(axis.name, axis.size);
  std::size_t count = 1;
  bool overflow = false;
  std::vector<std::string> product;
  for (const auto& [name, size] : factors) {
    overflow = overflow || __builtin_mul_overflow(count, size, &count);
    product.push_back(fmt::format("{} {}", size, name));
  }
  if (overflow || count > kMaxSweepJobs) {
    throw UsageError(fmt::format(
        "the sweep has {} jobs ({}), more than the limit of {} jobs per sweep; use fewer seeds "
        "or values, or split it into several sweeps",
        overflow ? "more than 18,446,744,073,709,551,615" : with_thousands(count),
        fmt::join(product, " x "), with_thousands(kMaxSweepJobs)));
  }
  return count;
}

namespace {

// Calls `visit` with every job of one seed, the last axis fastest.
void for_each_configuration(const SweepSpec& spec,
                            const std::function<void(const JobConfig&)>& visit) {
  const std::vector<SweepAxis> axes = sweep_axes(spec);
  for (const SweepAxis& axis : axes) {
    if (axis.size == 0) return;
  }
  std::vector<std::size_t> at(axes.size(), 0);
  while (true) {
    JobConfig job;
    static_cast<ExperimentConfig&>(job) = spec.base;
    for (std::size_t a = 0; a < axes.size(); ++a) axes[a].apply(job, at[a]);
    visit(job);
    std::size_t a = axes.size();
    while (a > 0 && ++at[a - 1] == axes[a - 1].size) at[--a] = 0;
    if (a == 0) return;
  }
}

}  // namespace

void validate(const SweepSpec& spec) {
  for (const SweepAxis& axis : sweep_axes(spec)) {
    if (axis.size == 0) throw InvalidSetting(axis.name, "", "needs at least one value");
  }
  if (spec.seeds == 0 || spec.seeds > 100000) {
    throw InvalidSetting("seeds", std::to_string(spec.seeds), "out of range; use 1 to 100000");
  }
  count_jobs(spec);
  validate(spec.base);
  for (const std::string& mode : spec.values("shuffle")) {
    if (mode == "none") {
      throw InvalidSetting("shuffle", "none",
                           "leaves the shuffled test set equal to the original one; a sweep "
                           "needs derange, permute or fixed");
    }
  }
  // Each value of each axis on its own, then every combination's cross checks (a grid of 1
  // has no derangement); validate(base) checked the rest, some of it slow (the data's path).
  for (const Setting& s : settings()) {
    if (!s.has(kSweepAxis)) continue;
    for (const std::string& value : spec.values(s.name)) {
      ExperimentConfig c = spec.base;
      s.parse(c, value);
      s.check(c);
    }
  }
  for_each_configuration(spec, [](const JobConfig& job) {
    validate_combination(job);
    if (job.model != Architecture::mlp && job.train_on.kind == RegimeKind::kFresh) {
      throw InvalidSetting("train_on", "fresh",
                           fmt::format("draws new training images every epoch, which only the "
                                       "mlp model takes, not the {} model; sweep fresh apart",
                                       architecture_name(job.model)));
    }
    if (job.model == Architecture::mixer && job.grid < 2) {
      throw InvalidSetting("grid", std::to_string(job.grid),
                           "the mixer's tokens are the grid's blocks: it needs a grid of 2 or "
                           "more; sweep the mixer over grids of 2 or more, apart from the others");
    }
  });
}

std::vector<JobConfig> expand_jobs(const SweepSpec& spec, std::uint32_t data_digest) {
  std::vector<JobConfig> jobs;
  jobs.reserve(count_jobs(spec));
  std::set<std::string> seen;
  for (std::size_t s = 0; s < spec.seeds; ++s) {
    for_each_configuration(spec, [&](const JobConfig& configuration) {
      JobConfig job = configuration;
      job.data_digest = data_digest;
      job.seed = spec.first_seed + s;
      if (seen.insert(job_key(job)).second) jobs.push_back(job);
    });
  }
  return jobs;
}

Shard parse_shard(std::string_view text) {
  const std::size_t slash = text.find('/');
  const std::string value(text);
  const char* expected = "expected K/N with 1 <= K <= N, e.g. 1/4 for the first of four slices";
  if (slash == std::string_view::npos) throw InvalidSetting("shard", value, expected);
  Shard shard;
  try {
    shard.index = parse_single<std::size_t>({std::string(text.substr(0, slash))}, "shard");
    shard.count = parse_single<std::size_t>({std::string(text.substr(slash + 1))}, "shard");
  } catch (const InvalidSetting&) {
    throw InvalidSetting("shard", value, expected);
  }
  if (shard.count == 0 || shard.index == 0 || shard.index > shard.count) {
    throw InvalidSetting("shard", value, expected);
  }
  return shard;
}

std::vector<JobConfig> select_shard(const std::vector<JobConfig>& jobs, Shard shard) {
  std::vector<JobConfig> out;
  for (std::size_t i = shard.index - 1; i < jobs.size(); i += shard.count) out.push_back(jobs[i]);
  return out;
}

}  // namespace savant
