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
#include "savant/sweep/sqlite_statement.hpp"

namespace savant {
namespace {

using sqlite::Statement;

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
    throw Error(fmt::format("{}: no such database; run a sweep into it first", path.string()));
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
      throw Error(fmt::format("{} is not a savant sweep database ({}); choose another database",
                              path.string(), sqlite3_errmsg(db_)));
    }
    const bool empty = application_id == 0 && tables == 0;
    if (!empty && application_id != kSweepApplicationId) {
      throw Error(fmt::format(
          "{} is not a savant sweep database (SQLite application_id {:#x}, expected {:#x}); "
          "it was left unchanged; choose another database",
          path.string(), application_id, kSweepApplicationId));
    }
    if (user_version > kSweepSchemaVersion) {
      throw Error(fmt::format(
          "{} has sweep schema version {}, newer than this savant ({}) understands; use a newer "
          "savant",
          path.string(), user_version, kSweepSchemaVersion));
    }
    if (empty && mode == Mode::kReadOnly) {
      throw Error(fmt::format("{} is an empty database; run a sweep into it first", path.string()));
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
    const std::string text = sqlite::error_text(db_, rc);
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

}  // namespace savant
