#include <signal.h>
#include <sqlite3.h>
#include <unistd.h>

#include <cerrno>

#include <fmt/format.h>

#include "savant/core/typed_number.hpp"
#include "savant/sweep/database.hpp"
#include "savant/sweep/sqlite_statement.hpp"

namespace savant {

using sqlite::as_int;
using sqlite::Statement;

void SweepDb::record(const StoredJob& job) {
  const std::string key = job_key(job.config);
  const JobConfig& c = job.config;
  const JobResult& r = job.result;
  const bool nested = !sqlite3_get_autocommit(db_);
  if (!nested) begin();
  try {
    Statement(db_, "DELETE FROM runs WHERE job_key = ?1", path_).bind(1, key).run();
    Statement(db_, "DELETE FROM claims WHERE job_key = ?1", path_).bind(1, key).run();
    // The fixed columns, then one per setting (setting_columns), each bound as its JSON value.
    std::string columns =
        "job_key, train_on, regime, mix, data_digest, status, error, started_at, finished_at, "
        "train_seconds, savant_version, host, fit_threshold";
    std::string places = "?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13";
    const std::vector<const Setting*> settings = setting_columns();
    for (std::size_t i = 0; i < settings.size(); ++i) {
      columns += ", " + settings[i]->name;
      places += fmt::format(", ?{}", 14 + i);
    }
    Statement run(db_, fmt::format("INSERT INTO runs ({}) VALUES ({})", columns, places).c_str(),
                  path_);
    run.bind(1, key).bind(2, to_string(c.train_on)).bind(3, to_string(c.train_on.kind));
    if (c.train_on.kind == RegimeKind::kMixed) {
      run.bind(4, c.train_on.mix);
    } else {
      run.bind_null(4);
    }
    run.bind(5, fmt::format("{:08x}", c.data_digest)).bind(6, job.status);
    if (job.error.empty()) {
      run.bind_null(7);
    } else {
      run.bind(7, job.error);
    }
    run.bind(8, r.started_at)
        .bind(9, r.finished_at)
        .bind(10, r.train_seconds)
        .bind(11, job.savant_version)
        .bind(12, job.host)
        .bind(13, as_typed(c.fit_threshold));
    for (std::size_t i = 0; i < settings.size(); ++i) {
      const int column = static_cast<int>(14 + i);
      const nlohmann::json value = settings[i]->to_json(c);
      if (value.is_number_unsigned()) {
        // A seed of 2^63 or more is stored as the int64 of its bits, read back alike.
        run.bind(column, static_cast<std::int64_t>(value.get<std::uint64_t>()));
      } else if (value.is_number_integer()) {
        run.bind(column, value.get<std::int64_t>());
      } else if (value.is_number()) {
        run.bind(column, value.get<double>());
      } else {
        run.bind(column, value.get<std::string>());
      }
    }
    run.run();
    if (job.status == "done") {
      Statement acc(db_,
                    "INSERT INTO accuracies (job_key, test, correct, total, accuracy) VALUES "
                    "(?1, ?2, ?3, ?4, ?5)",
                    path_);
      for (const auto& [test, a] : {std::pair{"original_test", r.original_test},
                                    std::pair{"shuffled_test", r.shuffled_test}}) {
        acc.bind(1, key)
            .bind(2, std::string(test))
            .bind(3, as_int(a.correct))
            .bind(4, as_int(a.total))
            .bind(5, a.accuracy())
            .run();
      }
      Statement(db_,
                "INSERT INTO signatures (job_key, grid, within, across, contrast, within_pairs, "
                "across_pairs) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
                path_)
          .bind(1, key)
          .bind(2, std::int64_t{c.grid})
          .bind(3, r.signature.within)
          .bind(4, r.signature.across)
          .bind(5, r.signature.contrast)
          .bind(6, as_int(r.signature.within_pairs))
          .bind(7, as_int(r.signature.across_pairs))
          .run();
      Statement units(db_,
                      "INSERT INTO units (job_key, specialisation, specialisation_change, "
                      "border_discontinuity, lesion_spread, invariance, invariance_accuracy, "
                      "cka_original) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
                      path_);
      units.bind(1, key);
      int column = 2;
      for (const UnitColumn& u : kUnitColumns) units.bind(column++, r.units.*u.field);
      units.run();
      Statement hist(db_,
                     "INSERT INTO history (job_key, epoch, loss, train_accuracy, seconds, "
                     "original_test_loss, original_test_accuracy, shuffled_test_loss, "
                     "shuffled_test_accuracy) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)",
                     path_);
      for (const EpochRecord& e : r.history) {
        hist.bind(1, key)
            .bind(2, as_int(e.epoch))
            .bind(3, e.loss)
            .bind(4, e.train_accuracy)
            .bind(5, e.seconds)
            .bind(6, e.original_test_loss)  // NaN (not measured) is stored as NULL
            .bind(7, e.original_test_accuracy)
            .bind(8, e.shuffled_test_loss)
            .bind(9, e.shuffled_test_accuracy)
            .run();
      }
    }
    if (!nested) commit();
  } catch (...) {
    if (!nested) rollback();
    throw;
  }
}

namespace {

// Whether process `pid` of this host runs: kill(pid, 0) succeeds, or fails only for lack of
// permission (the process exists but is another user's).
bool process_runs(std::int64_t pid) {
  if (pid <= 0) return false;
  return ::kill(static_cast<pid_t>(pid), 0) == 0 || errno == EPERM;
}

}  // namespace

bool SweepDb::claim(const std::string& key, bool even_if_done) {
  const std::int64_t me = ::getpid();
  const std::string host = host_name();
  // BEGIN IMMEDIATE takes the write lock first: the check and the insert cannot interleave
  // with another process's.
  begin();
  try {
    Statement done(db_, "SELECT 1 FROM runs WHERE job_key = ?1 AND status = 'done'", path_);
    if (!even_if_done && done.bind(1, key).step()) {
      rollback();
      return false;
    }
    Statement held(db_, "SELECT pid, host FROM claims WHERE job_key = ?1", path_);
    if (held.bind(1, key).step()) {
      const std::int64_t pid = held.integer(0);
      // Our own pid counts as running: two runners of one process may share a database.
      const bool stale = held.text(1) == host && !process_runs(pid);
      if (!stale) {
        rollback();
        return false;
      }
    }
    Statement(db_,
              "INSERT OR REPLACE INTO claims (job_key, pid, host, claimed_at) VALUES "
              "(?1, ?2, ?3, ?4)",
              path_)
        .bind(1, key)
        .bind(2, me)
        .bind(3, host)
        .bind(4, utc_timestamp())
        .run();
    commit();
    return true;
  } catch (...) {
    rollback();
    throw;
  }
}

}  // namespace savant
