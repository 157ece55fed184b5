#pragma once
// The sweep database (SQLite; WAL mode while a writer has it open, rollback-journal mode when
// none has, so that readers open it read-only and leave no file beside it; schema in
// docs/SWEEP_SCHEMA.md). One row in `runs` per
// job, keyed by job_key(); accuracies, grid signature and per-epoch history in their own tables.
// Each finished job is written in one transaction, so a killed process loses only the jobs it
// was still running, and a rerun skips every job already done.

#include <filesystem>
#include <memory>
#include <set>
#include <string>
#include <vector>

#include "savant/sweep/job.hpp"

struct sqlite3;

namespace savant {

// PRAGMA application_id of savant's databases: "SVNT". A file with another id is refused.
inline constexpr std::int32_t kSweepApplicationId = 0x53564E54;
// PRAGMA user_version. 2 added the units and claims tables and the results view; a writer
// migrates a version 1 file, readers read it as it is (no units).
inline constexpr int kSweepSchemaVersion = 3;
// How many bytes the longest file SQLite keeps beside a database adds to its name ("-journal";
// "-wal" and "-shm" are shorter), for check_output_path.
inline constexpr std::size_t kBesideDatabase = 8;

class SweepDb {
 public:
  enum class Mode {
    kReadOnly,  // the file must exist and be a savant database
    kWrite,     // created with the schema when missing or empty
  };
  // Throws savant::Error naming the file when it is not a savant database (another program's
  // SQLite file, or not SQLite at all) before anything is written to it.
  SweepDb(const std::filesystem::path& path, Mode mode);
  ~SweepDb();
  SweepDb(const SweepDb&) = delete;
  SweepDb& operator=(const SweepDb&) = delete;

  const std::filesystem::path& path() const { return path_; }

  // Keys of the jobs whose status is "done" (failed jobs are run again).
  std::set<std::string> done_keys();
  // Inserts or replaces the job, its accuracies, signature, units and history, and removes its
  // claim: one transaction.
  void record(const StoredJob& job);
  // Claims the job for this process before it runs, so that two processes on one database
  // share the work (table `claims`): false when the job is done, or claimed by a process that
  // still runs (one on another host always counts as running). A claim of a process of this
  // host that no longer runs is taken over. One transaction. `even_if_done`: a done job is
  // claimed too (a sweep that keeps its models runs again a job whose model is missing).
  bool claim(const std::string& key, bool even_if_done = false);
  // Every job, in the order they were first recorded.
  std::vector<StoredJob> read_all();

  void begin();
  void commit();
  void rollback();

 private:
  void exec(const char* sql);
  void add_setting_columns();          // the columns of settings added since the file was made
  std::set<std::string> run_columns_;  // the columns of `runs`
  std::filesystem::path path_;
  Mode mode_;
  sqlite3* db_ = nullptr;
  // A writer's descriptor of the file, for an flock that makes opening (creation, WAL,
  // migration) and closing (the switch back to rollback-journal mode) one process at a time.
  int guard_ = -1;
  int schema_version_ = 0;
};

// Whether two stored jobs hold the same numbers: accuracies, signature and per-epoch loss and
// training accuracy (times, host and version may differ).
bool same_results(const StoredJob& a, const StoredJob& b);

// Copies every done job of `inputs` into `out` (created if missing), in one transaction: a job
// already present with different results is an error that leaves `out` as it was. Returns the
// number of jobs added.
std::size_t merge_databases(const std::filesystem::path& out,
                            const std::vector<std::filesystem::path>& inputs);

// The settings that have a column of their name in the table `runs`: job_settings() and the
// seed. A database written before a setting was added gains its column when a writer opens it;
// its jobs read as the setting's default.
std::vector<const Setting*> setting_columns();

// This machine's name, for the runs table.
std::string host_name();

}  // namespace savant
