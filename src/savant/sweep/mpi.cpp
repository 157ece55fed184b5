#include "savant/sweep/mpi.hpp"

#include <cmath>
#include <cstdlib>
#include <string_view>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "savant/core/error.hpp"
#include "savant/core/json_input.hpp"

#ifdef SAVANT_HAVE_MPI
#include <mpi.h>
#endif

namespace savant {
namespace {

nlohmann::json real(double v) {
  return std::isnan(v) ? nlohmann::json() : nlohmann::json(v);
}
double real(const nlohmann::json& j) {
  return j.is_null() ? std::nan("") : j.get<double>();
}

#ifdef SAVANT_HAVE_MPI
// Whether an MPI launcher started this process as one of several ranks (Open MPI, MPICH and
// PMIx-based launchers set these).
bool launched_by_mpirun() {
  for (const char* name : {"OMPI_COMM_WORLD_SIZE", "PMI_SIZE", "PMIX_SIZE", "MPI_LOCALNRANKS"}) {
    const char* value = std::getenv(name);
    if (value != nullptr && std::atoi(value) > 1) return true;
  }
  return false;
}

constexpr int kTagResult = 1;  // worker -> rank 0: an outcome as JSON text ("" when first ready)
constexpr int kTagJob = 2;     // rank 0 -> worker: an index into the jobs, or -1 to stop
#endif

}  // namespace

std::string outcome_to_json(const JobOutcome& o) {
  const JobResult& r = o.result;
  nlohmann::json history = nlohmann::json::array();
  for (const EpochRecord& e : r.history) {
    history.push_back({e.epoch, real(e.loss), real(e.train_accuracy), real(e.seconds),
                       real(e.original_test_loss), real(e.original_test_accuracy),
                       real(e.shuffled_test_loss), real(e.shuffled_test_accuracy)});
  }
  nlohmann::json units = nlohmann::json::object();
  for (const UnitColumn& u : kUnitColumns) units[u.name] = real(r.units.*u.field);
  return nlohmann::json{
      {"key", job_key(o.job)},
      {"units", units},
      {"ok", o.ok},
      {"error", o.error},
      {"original_test", {r.original_test.correct, r.original_test.total}},
      {"shuffled_test", {r.shuffled_test.correct, r.shuffled_test.total}},
      {"signature",
       {real(r.signature.within), real(r.signature.across), real(r.signature.contrast),
        r.signature.within_pairs, r.signature.across_pairs}},
      {"history", history},
      {"train_seconds", real(r.train_seconds)},
      {"started_at", r.started_at},
      {"finished_at", r.finished_at}}
      .dump();
}

JobOutcome outcome_from_json(const std::string& text, const JobConfig& job) {
  const nlohmann::json j = parse_json(text, "MPI: the result message of a rank");
  if (j.at("key").get<std::string>() != job_key(job)) {
    throw Error(fmt::format("MPI: a result for job {} arrived for job {}",
                            j.at("key").get<std::string>(), job_key(job)));
  }
  JobOutcome o{job, j.at("ok").get<bool>(), {}, j.at("error").get<std::string>()};
  JobResult& r = o.result;
  for (const auto& [key, e] : {std::pair{"original_test", &r.original_test},
                               std::pair{"shuffled_test", &r.shuffled_test}}) {
    e->correct = j.at(key)[0].get<std::size_t>();
    e->total = j.at(key)[1].get<std::size_t>();
  }
  const auto& s = j.at("signature");
  r.signature = {real(s[0]), real(s[1]), real(s[2]), s[3].get<std::size_t>(),
                 s[4].get<std::size_t>()};
  for (const auto& e : j.at("history")) {
    EpochRecord record{e[0].get<std::size_t>(), real(e[1]), real(e[2]), real(e[3])};
    record.original_test_loss = real(e[4]);
    record.original_test_accuracy = real(e[5]);
    record.shuffled_test_loss = real(e[6]);
    record.shuffled_test_accuracy = real(e[7]);
    r.history.push_back(record);
  }
  for (const UnitColumn& u : kUnitColumns) r.units.*u.field = real(j.at("units").at(u.name));
  r.train_seconds = real(j.at("train_seconds"));
  r.started_at = j.at("started_at").get<std::string>();
  r.finished_at = j.at("finished_at").get<std::string>();
  return o;
}

#ifdef SAVANT_HAVE_MPI

MpiSession::MpiSession() {
  if (!launched_by_mpirun()) return;
  int provided = 0;
  MPI_Init_thread(nullptr, nullptr, MPI_THREAD_FUNNELED, &provided);
  initialised_ = true;
  MPI_Comm_rank(MPI_COMM_WORLD, &rank_);
  MPI_Comm_size(MPI_COMM_WORLD, &size_);
}

MpiSession::~MpiSession() {
  if (initialised_) MPI_Finalize();
}

void MpiSession::abort(int code) {
  if (initialised_) MPI_Abort(MPI_COMM_WORLD, code);
  std::exit(code);
}

void dispatch_jobs_mpi(const std::vector<JobConfig>& jobs, const std::vector<std::size_t>& todo,
                       const std::function<void(JobOutcome&&)>& commit) {
  int size = 1;
  MPI_Comm_size(MPI_COMM_WORLD, &size);
  std::vector<long long> running(static_cast<std::size_t>(size), -1);  // job index per rank
  std::size_t next = 0;
  int active = size - 1;
  while (active > 0) {
    MPI_Status status;
    MPI_Probe(MPI_ANY_SOURCE, kTagResult, MPI_COMM_WORLD, &status);
    int length = 0;
    MPI_Get_count(&status, MPI_CHAR, &length);
    std::string text(static_cast<std::size_t>(length), '\0');
    MPI_Recv(text.data(), length, MPI_CHAR, status.MPI_SOURCE, kTagResult, MPI_COMM_WORLD,
             MPI_STATUS_IGNORE);
    const auto worker = static_cast<std::size_t>(status.MPI_SOURCE);
    long long job = next < todo.size() ? static_cast<long long>(todo[next++]) : -1;
    // Hand out the next job before writing, so the worker trains while rank 0 commits.
    MPI_Send(&job, 1, MPI_LONG_LONG, status.MPI_SOURCE, kTagJob, MPI_COMM_WORLD);
    const long long finished = running[worker];
    running[worker] = job;
    if (job < 0) --active;
    if (!text.empty()) {
      commit(outcome_from_json(text, jobs[static_cast<std::size_t>(finished)]));
    }
  }
}

void serve_jobs_mpi(const std::vector<JobConfig>& jobs, const SweepData& data) {
  std::string result;  // empty: ready for the first job
  for (;;) {
    MPI_Send(result.data(), static_cast<int>(result.size()), MPI_CHAR, 0, kTagResult,
             MPI_COMM_WORLD);
    long long index = -1;
    MPI_Recv(&index, 1, MPI_LONG_LONG, 0, kTagJob, MPI_COMM_WORLD, MPI_STATUS_IGNORE);
    if (index < 0 || static_cast<std::size_t>(index) >= jobs.size()) return;
    JobOutcome outcome{jobs[static_cast<std::size_t>(index)], false, {}, {}};
    try {
      outcome.result = run_job(outcome.job, data);
      outcome.ok = true;
    } catch (const std::exception& e) {
      outcome.error = e.what();
    }
    result = outcome_to_json(outcome);
  }
}

#else

MpiSession::MpiSession() = default;
MpiSession::~MpiSession() = default;
void MpiSession::abort(int code) {
  std::exit(code);
}

void dispatch_jobs_mpi(const std::vector<JobConfig>&, const std::vector<std::size_t>&,
                       const std::function<void(JobOutcome&&)>&) {
  throw Error("this savant was built without MPI; rebuild where CMake finds MPI (libopenmpi-dev)");
}
void serve_jobs_mpi(const std::vector<JobConfig>&, const SweepData&) {
  throw Error("this savant was built without MPI; rebuild where CMake finds MPI (libopenmpi-dev)");
}

#endif

}  // namespace savant
