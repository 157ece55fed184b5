#include "savant/sweep/database.hpp"

#include <fcntl.h>
#include <sqlite3.h>
#include <sys/file.h>
#include <unistd.h>

#include <array>
#include <cerrno>
#include <cmath>
#include <cstring>
#include <map>

#include <fmt/format.h>

#include "savant/core/error.hpp"
#include "savant/core/input_file.hpp"
#include "savant/core/version.hpp"
#include "savant/sweep/sqlite_statement.hpp"

namespace savant {
namespace {

using sqlite::Statement;

// Tables are created in one transaction; IF NOT EXISTS makes a second writer's attempt harmless.
// Version 1's tables; kSchemaVersion2 adds to them (a version 1 file is migrated by running it).
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

// Version 2: the hidden units' measures, the claims of running jobs, and the `results` view
// (one row per job, no join needed). Jobs recorded by version 1 have no units row: the view
// shows NULL for them.
constexpr const char* kSchemaVersion2 = R"sql(
CREATE TABLE IF NOT EXISTS units (
  job_key               TEXT PRIMARY KEY REFERENCES runs(job_key) ON DELETE CASCADE,
  specialisation        REAL,
  specialisation_change REAL,
  border_discontinuity  REAL,
  lesion_spread         REAL,
  invariance            REAL,
  invariance_accuracy   REAL,
  cka_original          REAL
);
CREATE TABLE IF NOT EXISTS claims (
  job_key    TEXT PRIMARY KEY,
  pid        INTEGER NOT NULL,
  host       TEXT NOT NULL,
  claimed_at TEXT NOT NULL
);
CREATE VIEW IF NOT EXISTS results AS
SELECT r.job_key, r.grid, r.shuffle, r.train_on, r.regime, r.mix, r.hidden, r.layers, r.epochs,
       r.batch, r.learning_rate, r.train_limit, r.data_digest, r.seed, r.status, r.error,
       o.accuracy AS original_test, s.accuracy AS shuffled_test, o.total AS test_images,
       g.within, g.across, g.contrast,
       u.specialisation, u.specialisation_change, u.border_discontinuity, u.lesion_spread,
       u.invariance, u.invariance_accuracy, u.cka_original,
       (SELECT loss FROM history h WHERE h.job_key = r.job_key ORDER BY epoch DESC LIMIT 1)
         AS final_loss,
       (SELECT train_accuracy FROM history h WHERE h.job_key = r.job_key ORDER BY epoch DESC
        LIMIT 1) AS final_train_accuracy,
       r.train_seconds, r.started_at, r.finished_at, r.savant_version, r.host
FROM runs r
LEFT JOIN accuracies o ON o.job_key = r.job_key AND o.test = 'original_test'
LEFT JOIN accuracies s ON s.job_key = r.job_key AND s.test = 'shuffled_test'
LEFT JOIN signatures g ON g.job_key = r.job_key
LEFT JOIN units u ON u.job_key = r.job_key;
)sql";

// Version 3: each epoch's loss and accuracy on the original and the shuffled test images (NULL
// where not measured, and for jobs of earlier versions), the accuracy at which a job counts as
// fitted, and the results view with epochs_to_fit (the first epoch whose training accuracy
// reached it; NULL: not reached).
constexpr const char* kSchemaVersion3 = R"sql(
ALTER TABLE history ADD COLUMN original_test_loss REAL;
ALTER TABLE history ADD COLUMN original_test_accuracy REAL;
ALTER TABLE history ADD COLUMN shuffled_test_loss REAL;
ALTER TABLE history ADD COLUMN shuffled_test_accuracy REAL;
ALTER TABLE runs ADD COLUMN fit_threshold REAL;
DROP VIEW IF EXISTS results;
CREATE VIEW results AS
SELECT r.job_key, r.grid, r.shuffle, r.train_on, r.regime, r.mix, r.hidden, r.layers, r.epochs,
       r.batch, r.learning_rate, r.train_limit, r.data_digest, r.seed, r.status, r.error,
       o.accuracy AS original_test, s.accuracy AS shuffled_test, o.total AS test_images,
       g.within, g.across, g.contrast,
       u.specialisation, u.specialisation_change, u.border_discontinuity, u.lesion_spread,
       u.invariance, u.invariance_accuracy, u.cka_original,
       (SELECT loss FROM history h WHERE h.job_key = r.job_key ORDER BY epoch DESC LIMIT 1)
         AS final_loss,
       (SELECT train_accuracy FROM history h WHERE h.job_key = r.job_key ORDER BY epoch DESC
        LIMIT 1) AS final_train_accuracy,
       r.fit_threshold,
       (SELECT MIN(epoch) FROM history h WHERE h.job_key = r.job_key
          AND h.train_accuracy >= r.fit_threshold) AS epochs_to_fit,
       r.train_seconds, r.started_at, r.finished_at, r.savant_version, r.host
FROM runs r
LEFT JOIN accuracies o ON o.job_key = r.job_key AND o.test = 'original_test'
LEFT JOIN accuracies s ON s.job_key = r.job_key AND s.test = 'shuffled_test'
LEFT JOIN signatures g ON g.job_key = r.job_key
LEFT JOIN units u ON u.job_key = r.job_key;
)sql";

}  // namespace

std::vector<const Setting*> setting_columns() {
  std::vector<const Setting*> columns = job_settings();
  columns.push_back(find_setting("seed"));
  return columns;
}

void SweepDb::add_setting_columns() {
  run_columns_.clear();
  {
    Statement q(db_, "SELECT name FROM pragma_table_info('runs')", path_);
    while (q.step()) run_columns_.insert(q.text(0));
  }
  if (mode_ != Mode::kWrite || run_columns_.empty()) return;
  for (const Setting* s : setting_columns()) {
    if (run_columns_.contains(s->name)) continue;
    exec(fmt::format("ALTER TABLE runs ADD COLUMN {} {}", s->name, s->sql_type()).c_str());
    run_columns_.insert(s->name);
  }
}

std::string host_name() {
  std::array<char, 256> name{};
  if (gethostname(name.data(), name.size() - 1) != 0) return "unknown";
  return name.data();
}

SweepDb::SweepDb(const std::filesystem::path& path, Mode mode) : path_(path), mode_(mode) {
  // SQLite opens what it is given: a FIFO would block it, and on /dev/null it would write
  // /dev/null-journal beside the device. Checked again on the writer's descriptor below.
  constexpr std::string_view kExpected = "a savant sweep database (an SQLite file)";
  refuse_special_file(path, kExpected);
  std::error_code ec;
  const bool exists = std::filesystem::exists(path, ec);
  if (mode == Mode::kReadOnly && !exists) {
    throw SystemError(fmt::format("{}: no such database; run a sweep into it first", path.string()),
                      ENOENT, path.string());
  }
  if (mode == Mode::kWrite && !exists) {
    // SQLite says only "unable to open database file" when it cannot create one: say why.
    const std::filesystem::path dir =
        path.has_parent_path() ? path.parent_path() : std::filesystem::path(".");
    if (!std::filesystem::is_directory(dir, ec)) {
      throw SystemError(fmt::format("{}: cannot create the database: '{}' is not a directory",
                                    path.string(), dir.string()),
                        ENOTDIR, dir.string());
    }
    if (::access(dir.c_str(), W_OK | X_OK) != 0) {
      const int code = errno;
      throw SystemError(
          fmt::format("{}: cannot create the database: directory '{}' is not writable: {}",
                      path.string(), dir.string(), std::strerror(code)),
          code, dir.string());
    }
  }
  // Two writers may open one database at once (they share its jobs): the first to lock
  // creates and migrates it, the other waits, then finds it made. Only the writer that created
  // the file may remove it when its open fails.
  bool created = false;
  if (mode == Mode::kWrite) {
    constexpr int kFlags = O_RDWR | O_NONBLOCK | O_NOCTTY | O_CLOEXEC;
    guard_ = ::open(path.c_str(), kFlags | O_CREAT | O_EXCL, 0666);
    created = guard_ >= 0;
    if (!created) guard_ = ::open(path.c_str(), kFlags);
    if (guard_ >= 0) {
      try {
        check_regular_file(guard_, path, kExpected);
      } catch (const Error&) {
        ::close(guard_);
        guard_ = -1;
        throw;
      }
    }
    if (guard_ < 0 || ::flock(guard_, LOCK_EX) != 0) {
      const int code = errno;
      if (guard_ >= 0) ::close(guard_);
      guard_ = -1;
      throw SystemError(
          fmt::format("{}: cannot open the database: {}", path.string(), std::strerror(code)), code,
          path.string());
    }
  }
  const int flags =
      mode == Mode::kReadOnly ? SQLITE_OPEN_READONLY : SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE;
  if (const int rc = sqlite3_open_v2(path.c_str(), &db_, flags, nullptr); rc != SQLITE_OK) {
    const std::string message = db_ ? sqlite3_errmsg(db_) : "out of memory";
    const int code = db_ ? sqlite3_system_errno(db_) : 0;
    sqlite3_close(db_);
    db_ = nullptr;
    if (guard_ >= 0) ::close(guard_);
    guard_ = -1;
    const std::string said =
        fmt::format("{}: cannot open the database: {}", path.string(), message);
    if (rc == SQLITE_NOMEM) throw ResourceError(said);
    throw SystemError(said, code, path.string());
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
        sqlite::throw_error(db_, sqlite3_errcode(db_), path,
                            fmt::format("{}: cannot read the database: {}", path.string(),
                                        std::string(e.what()).substr(path.string().size() + 2)));
      }
      throw InputError(
          fmt::format("{} is not a savant sweep database ({}); choose another database",
                      path.string(), sqlite3_errmsg(db_)));
    }
    const bool empty = application_id == 0 && tables == 0;
    if (!empty && application_id != kSweepApplicationId) {
      throw InputError(fmt::format(
          "{} is not a savant sweep database (SQLite application_id {:#x}, expected {:#x}); "
          "it was left unchanged; choose another database",
          path.string(), application_id, kSweepApplicationId));
    }
    if (user_version > kSweepSchemaVersion) {
      throw InputError(fmt::format(
          "{} has sweep schema version {}, newer than this savant ({}) understands; use a newer "
          "savant",
          path.string(), user_version, kSweepSchemaVersion));
    }
    if (empty && mode == Mode::kReadOnly) {
      throw InputError(
          fmt::format("{} is an empty database; run a sweep into it first", path.string()));
    }
    if (mode == Mode::kWrite) {
      // WAL: readers (summarize, report) never block the writer, and a killed writer leaves a
      // log that SQLite rolls back or replays on the next open. FULL syncs every commit.
      exec("PRAGMA journal_mode = WAL");
      exec("PRAGMA synchronous = FULL");
      if (empty || user_version < kSweepSchemaVersion) {
        // A new file gets every version's tables; an older one gains those of later versions
        // (its rows stay; the new tables hold nothing for them), in one transaction.
        begin();
        if (empty) {
          exec(kSchema);
          exec(fmt::format("PRAGMA application_id = {}", kSweepApplicationId).c_str());
        }
        exec(kSchemaVersion2);
        if (user_version < 3) exec(kSchemaVersion3);
        exec(fmt::format("PRAGMA user_version = {}", kSweepSchemaVersion).c_str());
        commit();
        user_version = kSweepSchemaVersion;
      }
    }
    exec("PRAGMA foreign_keys = ON");
    add_setting_columns();
    schema_version_ = static_cast<int>(user_version);
    if (guard_ >= 0) ::flock(guard_, LOCK_UN);
  } catch (...) {
    sqlite3_close(db_);
    db_ = nullptr;
    // A database this call began to create (a full disk, say) would be left empty or half made.
    // The lock is still held: no other writer has got past its open.
    if (created) {
      for (const char* suffix : {"", "-wal", "-shm", "-journal"}) {
        std::filesystem::remove(path.string() + suffix, ec);
      }
    }
    if (guard_ >= 0) ::close(guard_);
    guard_ = -1;
    throw;
  }
}

SweepDb::~SweepDb() {
  if (db_ != nullptr && mode_ == Mode::kWrite) {
    // Leave the file in rollback-journal mode: a read-only connection to a WAL database needs
    // a -shm file (and leaves it and the -wal file behind, as it may not delete them), so
    // summarize, report and merge's inputs would litter the directory. The switch needs the
    // only connection; while another writer has the file open it fails at once (no busy
    // wait) and the last writer to close makes it.
    sqlite3_busy_timeout(db_, 0);
    // Not while another writer opens it: it would find the log it just set up gone.
    if (guard_ >= 0) ::flock(guard_, LOCK_EX);
    sqlite3_exec(db_, "PRAGMA journal_mode = DELETE", nullptr, nullptr, nullptr);
  }
  sqlite3_close(db_);
  if (guard_ >= 0) ::close(guard_);  // and its lock with it
}

void SweepDb::exec(const char* sql) {
  char* message = nullptr;
  const int rc = sqlite3_exec(db_, sql, nullptr, nullptr, &message);
  if (rc != SQLITE_OK) {
    sqlite3_free(message);
    sqlite::throw_error(db_, rc, path_,
                        fmt::format("{}: {}", path_.string(), sqlite::error_text(db_, rc)));
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

}  // namespace savant
