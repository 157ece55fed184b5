#include <sqlite3.h>

#include <cmath>
#include <map>

#include <fmt/format.h>

#include "savant/core/error.hpp"
#include "savant/sweep/database.hpp"
#include "savant/sweep/sqlite_statement.hpp"

namespace savant {

using sqlite::Statement;

std::set<std::string> SweepDb::done_keys() {
  std::set<std::string> keys;
  Statement q(db_, "SELECT job_key FROM runs WHERE status = 'done'", path_);
  while (q.step()) keys.insert(q.text(0));
  return keys;
}

namespace {

constexpr const char* kSelectRuns =
    "SELECT job_key, train_on, data_digest, status, error, started_at, finished_at, "
    "train_seconds, savant_version, host";
constexpr int kFirstSettingColumn = 10;

// A job's row; `settings` are the settings whose columns follow the fixed ones (those of
// setting_columns that the file has; the others keep their defaults).
StoredJob read_run(const Statement& q, const std::vector<const Setting*>& settings) {
  StoredJob job;
  JobConfig& c = job.config;
  c.train_on = parse_regime(q.text(1));
  c.data_digest = static_cast<std::uint32_t>(std::stoul(q.text(2), nullptr, 16));
  job.status = q.text(3);
  job.error = q.text(4);
  job.result.started_at = q.text(5);
  job.result.finished_at = q.text(6);
  job.result.train_seconds = q.real(7);
  job.savant_version = q.text(8);
  job.host = q.text(9);
  for (std::size_t i = 0; i < settings.size(); ++i) {
    const int column = kFirstSettingColumn + static_cast<int>(i);
    if (q.is_null(column)) continue;
    const Setting& s = *settings[i];
    nlohmann::json value;
    if (s.type == SettingType::kWhole) {
      const std::int64_t v = q.integer(column);
      value = v < 0 ? nlohmann::json(static_cast<std::uint64_t>(v)) : nlohmann::json(v);
    } else if (s.type == SettingType::kNumber) {
      value = q.real(column);
    } else {
      value = q.text(column);
    }
    s.from_json(c, value);
  }
  return job;
}

}  // namespace

std::vector<StoredJob> SweepDb::read_all() {
  std::vector<StoredJob> jobs;
  std::map<std::string, std::size_t> index;
  {
    std::vector<const Setting*> settings;
    std::string select = kSelectRuns;
    for (const Setting* s : setting_columns()) {
      if (!run_columns_.contains(s->name)) continue;
      settings.push_back(s);
      select += ", " + s->name;
    }
    // Version 3's fit_threshold: files of earlier versions read as its default.
    const bool threshold = run_columns_.contains("fit_threshold");
    if (threshold) select += ", fit_threshold";
    Statement q(db_, (select + " FROM runs ORDER BY rowid").c_str(), path_);
    const int threshold_column = kFirstSettingColumn + static_cast<int>(settings.size());
    while (q.step()) {
      index[q.text(0)] = jobs.size();
      jobs.push_back(read_run(q, settings));
      if (threshold && !q.is_null(threshold_column)) {
        jobs.back().config.fit_threshold = static_cast<float>(q.real(threshold_column));
      }
    }
  }
  Statement acc(db_, "SELECT job_key, test, correct, total FROM accuracies", path_);
  while (acc.step()) {
    auto it = index.find(acc.text(0));
    if (it == index.end()) continue;
    Evaluation& e = acc.text(1) == "original_test" ? jobs[it->second].result.original_test
                                                   : jobs[it->second].result.shuffled_test;
    e.correct = static_cast<std::size_t>(acc.integer(2));
    e.total = static_cast<std::size_t>(acc.integer(3));
  }
  Statement sig(db_,
                "SELECT job_key, within, across, contrast, within_pairs, across_pairs FROM "
                "signatures",
                path_);
  while (sig.step()) {
    auto it = index.find(sig.text(0));
    if (it == index.end()) continue;
    jobs[it->second].result.signature = {sig.real(1), sig.real(2), sig.real(3),
                                         static_cast<std::size_t>(sig.integer(4)),
                                         static_cast<std::size_t>(sig.integer(5))};
  }
  if (schema_version_ >= 2) {
    Statement units(db_,
                    "SELECT job_key, specialisation, specialisation_change, border_discontinuity, "
                    "lesion_spread, invariance, invariance_accuracy, cka_original FROM units",
                    path_);
    while (units.step()) {
      auto it = index.find(units.text(0));
      if (it == index.end()) continue;
      int column = 1;
      for (const UnitColumn& u : kUnitColumns)
        jobs[it->second].result.units.*u.field = units.real(column++);
    }
  }
  // Version 3 added the test curves: a file of an earlier version has none (NaN).
  const bool curves = schema_version_ >= 3;
  Statement hist(db_,
                 curves
                     ? "SELECT job_key, epoch, loss, train_accuracy, seconds, original_test_loss, "
                       "original_test_accuracy, shuffled_test_loss, shuffled_test_accuracy "
                       "FROM history ORDER BY job_key, epoch"
                     : "SELECT job_key, epoch, loss, train_accuracy, seconds FROM history "
                       "ORDER BY job_key, epoch",
                 path_);
  while (hist.step()) {
    auto it = index.find(hist.text(0));
    if (it == index.end()) continue;
    EpochRecord e{static_cast<std::size_t>(hist.integer(1)), hist.real(2), hist.real(3),
                  hist.real(4)};
    if (curves) {
      e.original_test_loss = hist.real(5);
      e.original_test_accuracy = hist.real(6);
      e.shuffled_test_loss = hist.real(7);
      e.shuffled_test_accuracy = hist.real(8);
    }
    jobs[it->second].result.history.push_back(e);
  }
  return jobs;
}

bool same_results(const StoredJob& a, const StoredJob& b) {
  auto same = [](double x, double y) { return x == y || (std::isnan(x) && std::isnan(y)); };
  const JobResult &x = a.result, &y = b.result;
  if (a.status != b.status || !(a.config == b.config)) return false;
  auto same_counts = [](const Evaluation& p, const Evaluation& q) {
    return p.correct == q.correct && p.total == q.total;
  };
  if (!same_counts(x.original_test, y.original_test) ||
      !same_counts(x.shuffled_test, y.shuffled_test)) {
    return false;
  }
  if (!same(x.signature.within, y.signature.within) ||
      !same(x.signature.across, y.signature.across) ||
      !same(x.signature.contrast, y.signature.contrast) ||
      x.signature.within_pairs != y.signature.within_pairs ||
      x.signature.across_pairs != y.signature.across_pairs) {
    return false;
  }
  // A job recorded before schema version 2 has no unit measures: they are compared where both
  // jobs have them.
  for (const UnitColumn& u : kUnitColumns) {
    const double p = x.units.*u.field, q = y.units.*u.field;
    if (!std::isnan(p) && !std::isnan(q) && p != q) return false;
  }
  if (x.history.size() != y.history.size()) return false;
  for (std::size_t i = 0; i < x.history.size(); ++i) {
    if (x.history[i].epoch != y.history[i].epoch || !same(x.history[i].loss, y.history[i].loss) ||
        !same(x.history[i].train_accuracy, y.history[i].train_accuracy) ||
        !same(x.history[i].original_test_accuracy, y.history[i].original_test_accuracy) ||
        !same(x.history[i].shuffled_test_accuracy, y.history[i].shuffled_test_accuracy)) {
      return false;
    }
  }
  return true;
}

std::size_t merge_databases(const std::filesystem::path& out,
                            const std::vector<std::filesystem::path>& inputs) {
  // Everything is read and compared before the output is opened for writing, so that a bad
  // input or a conflict leaves the output exactly as it was (or absent).
  std::error_code ec;
  const bool out_exists = std::filesystem::exists(out, ec);
  std::map<std::string, std::pair<StoredJob, std::filesystem::path>> present;
  if (out_exists) {
    SweepDb existing(out, SweepDb::Mode::kReadOnly);
    for (StoredJob& job : existing.read_all()) {
      if (job.status == "done") {
        std::string key = job_key(job.config);
        present.emplace(std::move(key), std::pair{std::move(job), out});
      }
    }
  }
  std::vector<StoredJob> additions;
  for (const auto& in : inputs) {
    if (out_exists && std::filesystem::equivalent(in, out, ec)) {
      throw UsageError(fmt::format("merge: {} is both an input and the output", in.string()));
    }
    SweepDb db(in, SweepDb::Mode::kReadOnly);
    for (StoredJob& job : db.read_all()) {
      if (job.status != "done") continue;
      const std::string key = job_key(job.config);
      auto it = present.find(key);
      if (it != present.end()) {
        if (!same_results(it->second.first, job)) {
          throw InputError(fmt::format(
              "merge: job {} appears in {} and in {} with different results; nothing was "
              "merged into {}",
              key, it->second.second.string(), in.string(), out.string()));
        }
        continue;
      }
      additions.push_back(job);
      present.emplace(key, std::pair{std::move(job), in});
    }
  }
  SweepDb target(out, SweepDb::Mode::kWrite);
  target.begin();
  try {
    for (const StoredJob& job : additions) target.record(job);
    target.commit();
  } catch (...) {
    target.rollback();
    throw;
  }
  return additions.size();
}

}  // namespace savant
