#include "savant/store/run_store.hpp"

#include <atomic>
#include <string>
#include <vector>

#include "savant/core/atomic_file.hpp"
#include "savant/core/parallel.hpp"
#include "savant/core/stopwatch.hpp"
#include "savant/experiment/outputs.hpp"
#include "savant/experiment/results_file.hpp"
#include "savant/experiment/run_set.hpp"
#include "savant/report/report.hpp"
#include "savant/store/set_writer.hpp"

namespace savant {

void commit_run(ReproduceResult& result, OutputSet& set, std::span<const FigureFormat> formats,
                bool block_grid, bool page, FigureSize figure_size) {
  const auto start = Clock::now();
  ensure_writable_directory(set.staging());
  result.run_id = new_run_id();
  SetWriter files(set.staging());
  // Each file is made and written on one thread, two files at a time when the run has two
  // threads (the unit galleries take longest); the bytes do not depend on it.
  const std::vector<RunFile> made = run_files(result, formats, block_grid, figure_size);
  std::atomic<std::size_t> next{0};
  auto write_some = [&] {
    for (std::size_t i = next++; i < made.size(); i = next++) {
      files.write(made[i].name, made[i].bytes());
    }
  };
  run_both(result.config.threads >= 2, write_some, write_some);
  result.timings.write = seconds_since(start);
  result.timings.total += result.timings.write;

  // results.json after the others: its manifest lists them (all but itself and report.html).
  nlohmann::json results = results_json(result);
  std::vector<std::string> listed;
  for (const std::string& name : run_output_names(formats, result.config.model)) {
    if (name != "results.json" && name != "report.html") listed.push_back(name);
  }
  results["manifest"] = files.manifest(listed);
  // The page is drawn while results.json is written.
  const int threads = result.config.threads;
  std::string html;
  run_both(
      page && threads >= 2, [&] { files.write("results.json", results.dump(2) + "\n"); },
      [&] {
        if (page)
          html = render_report(report_data(run_page(result, results, set.target()), threads));
      });
  if (page) files.write("report.html", html);
  set.commit();
}

}  // namespace savant
