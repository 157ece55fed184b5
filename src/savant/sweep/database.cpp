#include "savant/sweep/database.hpp"

#include <sqlite3.h>
#include <unistd.h>

#include <array>
#include <cerrno>
#include <cmath>
#include <cstring>
#include <map>

#include <fmt/format.h>

#include "savant/core/error.hpp"
#include "savant/core/version.hpp"

namespace savant {
namespace {

// Tables are created in one transaction; IF NOT EXISTS makes a second writer's attempt harmless.
constexpr const char* kSchema = R"sql(
CREATE TABLE IF NOT EXISTS runs (
  job_key        TEXT PRIMARY KEY,
  grid           INTEGER NOT NULL,
  shuffle        TEXT NOT NULL,
  train_on       TEXT NOT NULL,
  regime         TEXT NOT NULL,
  mix            REAL,
  hidden         INTEGER NOT NULL,
  layers         INTEGER NOT NULL,
  epochs         INTEGER NOT NULL,
  batch          INTEGER NOT NULL,
  learning_rate  REAL NOT NULL,
  train_limit    INTEGER NOT NULL,
  data_digest    TEXT NOT NULL,
  seed           INTEGER NOT NULL,
  status         TEXT NOT NULL CHECK (status IN ('done', 'failed')),
  error          TEXT,
  started_at     TEXT,
  finished_at    TEXT,
  train_seconds  REAL,
  savant_version TEXT NOT NULL,
  host           TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS accuracies (
  job_key  TEXT NOT NULL REFERENCES runs(job_key) ON DELETE CASCADE,
  test     TEXT NOT NULL CHECK (test IN ('original_test', 'shuffled_test')),
  correct  INTEGER NOT NULL,
  total    INTEGER NOT NULL,
  accuracy REAL NOT NULL,
  PRIMARY KEY (job_key, test)
);
CREATE TABLE IF NOT EXISTS signatures (
  job_key      TEXT PRIMARY KEY REFERENCES runs(job_key) ON DELETE CASCADE,
  grid         INTEGER NOT NULL,
  within       REAL,
  across       REAL,
  contrast     REAL,
  within_pairs INTEGER NOT NULL,
  across_pairs INTEGER NOT NULL
);
CREATE TABLE IF NOT EXISTS history (
  job_key        TEXT NOT NULL REFERENCES runs(job_key) ON DELETE CASCADE,
  epoch          INTEGER NOT NULL,
  loss           REAL NOT NULL,
  train_accuracy REAL NOT NULL,
  seconds        REAL NOT NULL,
  PRIMARY KEY (job_key, epoch)
);
)sql";

// SQLite's message; for a full disk or a file-size limit SQLite says only "disk I/O error",
// so the system's reason is added.
std::string sqlite_error(sqlite3* db, int rc) {
  std::string text = sqlite3_errmsg(db);
  const int system_errno = sqlite3_system_errno(db);
  if (((rc & 0xff) == SQLITE_IOERR || rc == SQLITE_FULL) && system_errno != 0) {
    text += fmt::format(" ({})", std::strerror(system_errno));
  }
  return text;
}

class Statement {
 public:
  Statement(sqlite3* db, const char* sql, const std::filesystem::path& path) : path_(path) {
    if (sqlite3_prepare_v2(db, sql, -1, &stmt_, nullptr) != SQLITE_OK) {
      throw Error(fmt::format("{}: cannot prepare a query: {}", path.string(), sqlite3_errmsg(db)));
    }
  }
  ~Statement() { sqlite3_finalize(stmt_); }
  Statement(const Statement&) = delete;
  Statement& operator=(const Statement&) = delete;

  Statement& bind(int i, std::int64_t v) {
    sqlite3_bind_int64(stmt_, i, v);
    return *this;
  }
  Statement& bind(int i, double v) {
    // SQLite stores NaN as NULL; read_real turns NULL back into NaN.
    if (std::isnan(v)) {
      sqlite3_bind_null(stmt_, i);
    } else {
      sqlite3_bind_double(stmt_, i, v);
    }
    return *this;
  }
  Statement& bind(int i, const std::string& v) {
    sqlite3_bind_text(stmt_, i, v.c_str(), static_cast<int>(v.size()), SQLITE_TRANSIENT);
    return *this;
  }
  Statement& bind_null(int i) {
    sqlite3_bind_null(stmt_, i);
    return *this;
  }
  // True while there is a row.
  bool step() {
    const int rc = sqlite3_step(stmt_);
    if (rc == SQLITE_ROW) return true;
    if (rc == SQLITE_DONE) return false;
    throw Error(fmt::format("{}: {}", path_.string(), sqlite_error(sqlite3_db_handle(stmt_), rc)));
  }
  void run() {
    step();
    sqlite3_reset(stmt_);
    sqlite3_clear_bindings(stmt_);
  }
  std::int64_t integer(int col) const { return sqlite3_column_int64(stmt_, col); }
  double real(int col) const {
    return sqlite3_column_type(stmt_, col) == SQLITE_NULL ? std::nan("")
                                                          : sqlite3_column_double(stmt_, col);
  }
  std::string text(int col) const {
    const auto* p = sqlite3_column_text(stmt_, col);
    return p ? reinterpret_cast<const char*>(p) : "";
  }

 private:
  sqlite3_stmt* stmt_ = nullptr;
  std::filesystem::path path_;
};

std::int64_t as_int(std::size_t v) {
  return static_cast<std::int64_t>(v);
}

std::string regime_name(RegimeKind kind) {
  switch (kind) {
    case RegimeKind::kOriginal:
      return "original";
    case RegimeKind::kShuffled:
      return "shuffled";
    case RegimeKind::kMixed:
      return "mixed";
    case RegimeKind::kFresh:
      return "fresh";
  }
  return "?";
}

}  // namespace

std::string host_name() {
  std::array<char, 256> name{};
  if (gethostname(name.data(), name.size() - 1) != 0) return "unknown";
  return name.data();
}

SweepDb::SweepDb(const std::filesystem::path& path, Mode mode) : path_(path) {
  std::error_code ec;
  const bool exists = std::filesystem::exists(path, ec);
  if (mode == Mode::kReadOnly && !exists) {
    throw Error(fmt::format("{}: no such database; run 'savant sweep --db {}' first", path.string(),
                            path.string()));
  }
  if (mode == Mode::kWrite && !exists) {
    // SQLite says only "unable to open database file" when it cannot create one: say why.
    const std::filesystem::path dir =
        path.has_parent_path() ? path.parent_path() : std::filesystem::path(".");
    if (!std::filesystem::is_directory(dir, ec)) {
      throw Error(fmt::format("{}: cannot create the database: '{}' is not a directory",
                              path.string(), dir.string()));
    }
    if (::access(dir.c_str(), W_OK | X_OK) != 0) {
      throw Error(fmt::format("{}: cannot create the database: directory '{}' is not writable: {}",
                              path.string(), dir.string(), std::strerror(errno)));
    }
  }
  const int flags =
      mode == Mode::kReadOnly ? SQLITE_OPEN_READONLY : SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE;
  if (sqlite3_open_v2(path.c_str(), &db_, flags, nullptr) != SQLITE_OK) {
    const std::string message = db_ ? sqlite3_errmsg(db_) : "out of memory";
    sqlite3_close(db_);
    db_ = nullptr;
    throw Error(fmt::format("{}: cannot open the database: {}", path.string(), message));
  }
  try {
    sqlite3_busy_timeout(db_, 30000);
    // Identify the file before writing anything to it: another program's database, or a file
    // that is not SQLite at all, must stay untouched.
    std::int64_t application_id = 0, user_version = 0, tables = 0;
    try {
      Statement id(db_, "PRAGMA application_id", path_);
      if (id.step()) application_id = id.integer(0);
      Statement version(db_, "PRAGMA user_version", path_);
      if (version.step()) user_version = version.integer(0);
      Statement count(db_, "SELECT count(*) FROM sqlite_schema", path_);
      if (count.step()) tables = count.integer(0);
    } catch (const Error& e) {
      // Only SQLITE_NOTADB means another kind of file; a full disk (a WAL reader makes its
      // -shm file) or an I/O error must not be reported as one.
      if (sqlite3_errcode(db_) != SQLITE_NOTADB) {
        throw Error(fmt::format("{}: cannot read the database: {}", path.string(),
                                std::string(e.what()).substr(path.string().size() + 2)));
      }
      throw Error(fmt::format("{} is not a savant sweep database ({}); choose another --db",
                              path.string(), sqlite3_errmsg(db_)));
    }
    const bool empty = application_id == 0 && tables == 0;
    if (!empty && application_id != kSweepApplicationId) {
      throw Error(fmt::format(
          "{} is not a savant sweep database (SQLite application_id {:#x}, expected {:#x}); "
          "it was left unchanged; choose another --db",
          path.string(), application_id, kSweepApplicationId));
    }
    if (user_version > kSweepSchemaVersion) {
      throw Error(fmt::format(
          "{} has sweep schema version {}, newer than this savant ({}) understands; use a newer "
          "savant",
          path.string(), user_version, kSweepSchemaVersion));
    }
    if (empty && mode == Mode::kReadOnly) {
      throw Error(fmt::format("{} is an empty database; run 'savant sweep --db {}' first",
                              path.string(), path.string()));
    }
    if (mode == Mode::kWrite) {
      // WAL: readers (summarize, report) never block the writer, and a killed writer leaves a
      // log that SQLite rolls back or replays on the next open. FULL syncs every commit.
      exec("PRAGMA journal_mode = WAL");
      exec("PRAGMA synchronous = FULL");
      if (empty) {
        begin();
        exec(kSchema);
        exec(fmt::format("PRAGMA application_id = {}", kSweepApplicationId).c_str());
        exec(fmt::format("PRAGMA user_version = {}", kSweepSchemaVersion).c_str());
        commit();
      }
    }
    exec("PRAGMA foreign_keys = ON");
  } catch (...) {
    sqlite3_close(db_);
    db_ = nullptr;
    // A database this call began to create (a full disk, say) would be left empty or half made.
    if (mode == Mode::kWrite && !exists) {
      for (const char* suffix : {"", "-wal", "-shm", "-journal"}) {
        std::filesystem::remove(path.string() + suffix, ec);
      }
    }
    throw;
  }
}

SweepDb::~SweepDb() {
  sqlite3_close(db_);
}

void SweepDb::exec(const char* sql) {
  char* message = nullptr;
  const int rc = sqlite3_exec(db_, sql, nullptr, nullptr, &message);
  if (rc != SQLITE_OK) {
    sqlite3_free(message);
    const std::string text = sqlite_error(db_, rc);
    throw Error(fmt::format("{}: {}", path_.string(), text));
  }
}

void SweepDb::begin() {
  exec("BEGIN IMMEDIATE");
}
void SweepDb::commit() {
  exec("COMMIT");
}
void SweepDb::rollback() {
  if (!sqlite3_get_autocommit(db_)) sqlite3_exec(db_, "ROLLBACK", nullptr, nullptr, nullptr);
}

std::set<std::string> SweepDb::done_keys() {
  std::set<std::string> keys;
  Statement q(db_, "SELECT job_key FROM runs WHERE status = 'done'", path_);
  while (q.step()) keys.insert(q.text(0));
  return keys;
}

void SweepDb::record(const StoredJob& job) {
  const std::string key = job_key(job.config);
  const JobConfig& c = job.config;
  const JobResult& r = job.result;
  const bool nested = !sqlite3_get_autocommit(db_);
  if (!nested) begin();
  try {
    Statement(db_, "DELETE FROM runs WHERE job_key = ?1", path_).bind(1, key).run();
    Statement run(db_,
                  "INSERT INTO runs (job_key, grid, shuffle, train_on, regime, mix, hidden, "
                  "layers, epochs, batch, learning_rate, train_limit, data_digest, seed, status, "
                  "error, started_at, finished_at, train_seconds, savant_version, host) VALUES "
                  "(?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17, "
                  "?18, ?19, ?20, ?21)",
                  path_);
    run.bind(1, key)
        .bind(2, std::int64_t{c.grid})
        .bind(3, to_string(c.shuffle))
        .bind(4, to_string(c.train_on))
        .bind(5, regime_name(c.train_on.kind));
    if (c.train_on.kind == RegimeKind::kMixed) {
      run.bind(6, c.train_on.mix);
    } else {
      run.bind_null(6);
    }
    run.bind(7, as_int(c.hidden))
        .bind(8, as_int(c.layers))
        .bind(9, as_int(c.epochs))
        .bind(10, as_int(c.batch))
        .bind(11, static_cast<double>(c.learning_rate))
        .bind(12, as_int(c.train_limit))
        .bind(13, fmt::format("{:08x}", c.data_digest))
        .bind(14, static_cast<std::int64_t>(c.seed))
        .bind(15, job.status);
    if (job.error.empty()) {
      run.bind_null(16);
    } else {
      run.bind(16, job.error);
    }
    run.bind(17, r.started_at)
        .bind(18, r.finished_at)
        .bind(19, r.train_seconds)
        .bind(20, job.savant_version)
        .bind(21, job.host)
        .run();
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
      Statement hist(db_,
                     "INSERT INTO history (job_key, epoch, loss, train_accuracy, seconds) VALUES "
                     "(?1, ?2, ?3, ?4, ?5)",
                     path_);
      for (const EpochRecord& e : r.history) {
        hist.bind(1, key)
            .bind(2, as_int(e.epoch))
            .bind(3, e.loss)
            .bind(4, e.train_accuracy)
            .bind(5, e.seconds)
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

constexpr const char* kSelectRuns =
    "SELECT job_key, grid, shuffle, train_on, hidden, layers, epochs, batch, learning_rate, "
    "train_limit, data_digest, seed, status, error, started_at, finished_at, train_seconds, "
    "savant_version, host FROM runs";

StoredJob read_run(const Statement& q) {
  StoredJob job;
  JobConfig& c = job.config;
  c.grid = static_cast<int>(q.integer(1));
  c.shuffle = parse_shuffle_mode(q.text(2));
  c.train_on = parse_regime(q.text(3));
  c.hidden = static_cast<std::size_t>(q.integer(4));
  c.layers = static_cast<std::size_t>(q.integer(5));
  c.epochs = static_cast<std::size_t>(q.integer(6));
  c.batch = static_cast<std::size_t>(q.integer(7));
  c.learning_rate = static_cast<float>(q.real(8));
  c.train_limit = static_cast<std::size_t>(q.integer(9));
  c.data_digest = static_cast<std::uint32_t>(std::stoul(q.text(10), nullptr, 16));
  c.seed = static_cast<std::uint64_t>(q.integer(11));
  job.status = q.text(12);
  job.error = q.text(13);
  job.result.started_at = q.text(14);
  job.result.finished_at = q.text(15);
  job.result.train_seconds = q.real(16);
  job.savant_version = q.text(17);
  job.host = q.text(18);
  return job;
}

}  // namespace

std::vector<StoredJob> SweepDb::read_all() {
  std::vector<StoredJob> jobs;
  std::map<std::string, std::size_t> index;
  {
    Statement q(db_, (std::string(kSelectRuns) + " ORDER BY rowid").c_str(), path_);
    while (q.step()) {
      index[q.text(0)] = jobs.size();
      jobs.push_back(read_run(q));
    }
  }
  Statement acc(db_, "SELECT job_key, test, correct, total FROM accuracies", path_);
  while (acc.step()) {
    auto it = index.find(acc.text(0));
    if (it == index.end()) continue;
    TestAccuracy a{static_cast<std::size_t>(acc.integer(2)),
                   static_cast<std::size_t>(acc.integer(3))};
    (acc.text(1) == "original_test" ? jobs[it->second].result.original_test
                                    : jobs[it->second].result.shuffled_test) = a;
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
  Statement hist(db_,
                 "SELECT job_key, epoch, loss, train_accuracy, seconds FROM history ORDER BY "
                 "job_key, epoch",
                 path_);
  while (hist.step()) {
    auto it = index.find(hist.text(0));
    if (it == index.end()) continue;
    jobs[it->second].result.history.push_back(
        {static_cast<std::size_t>(hist.integer(1)), hist.real(2), hist.real(3), hist.real(4)});
  }
  return jobs;
}

bool same_results(const StoredJob& a, const StoredJob& b) {
  auto same = [](double x, double y) { return x == y || (std::isnan(x) && std::isnan(y)); };
  const JobResult &x = a.result, &y = b.result;
  if (a.status != b.status || !(a.config == b.config)) return false;
  if (!(x.original_test == y.original_test) || !(x.shuffled_test == y.shuffled_test)) return false;
  if (!same(x.signature.within, y.signature.within) ||
      !same(x.signature.across, y.signature.across) ||
      !same(x.signature.contrast, y.signature.contrast) ||
      x.signature.within_pairs != y.signature.within_pairs ||
      x.signature.across_pairs != y.signature.across_pairs) {
    return false;
  }
  if (x.history.size() != y.history.size()) return false;
  for (std::size_t i = 0; i < x.history.size(); ++i) {
    if (x.history[i].epoch != y.history[i].epoch || !same(x.history[i].loss, y.history[i].loss) ||
        !same(x.history[i].train_accuracy, y.history[i].train_accuracy)) {
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
          throw Error(fmt::format(
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
