#include "savant/sweep/summary.hpp"

#include <cmath>
#include <map>

namespace savant {

std::vector<StatsEntry> summarize_jobs(const std::vector<StoredJob>& jobs) {
  struct Group {
    JobConfig config;
    std::vector<double> original, shuffled, within, across, contrast;
  };
  std::map<std::string, Group> groups;
  std::vector<std::string> order;  // first appearance, so the output follows the sweep
  for (const StoredJob& job : jobs) {
    if (job.status != "done") continue;
    const std::string key = config_key(job.config);
    auto [it, inserted] = groups.try_emplace(key);
    if (inserted) {
      order.push_back(key);
      it->second.config = job.config;
      it->second.config.seed = 0;
    }
    Group& g = it->second;
    g.original.push_back(job.result.original_test.accuracy());
    g.shuffled.push_back(job.result.shuffled_test.accuracy());
    g.within.push_back(job.result.signature.within);
    g.across.push_back(job.result.signature.across);
    g.contrast.push_back(job.result.signature.contrast);
  }
  std::vector<StatsEntry> out;
  for (const std::string& key : order) {
    const Group& g = groups[key];
    const Summary within = summarize(g.within), across = summarize(g.across),
                  contrast = summarize(g.contrast);
    out.push_back({g.config, "original_test", summarize(g.original), within, across, contrast});
    out.push_back({g.config, "shuffled_test", summarize(g.shuffled), within, across, contrast});
  }
  return out;
}

nlohmann::json summary_json(const std::vector<StatsEntry>& entries) {
  auto number = [](double v) { return std::isfinite(v) ? nlohmann::json(v) : nlohmann::json(); };
  auto stats = [&](const Summary& s) {
    return nlohmann::json{{"n", s.n},
                          {"mean", number(s.mean)},
                          {"std", number(s.std)},
                          {"ci95_low", number(s.ci95_low)},
                          {"ci95_high", number(s.ci95_high)}};
  };
  nlohmann::json out = nlohmann::json::array();
  for (const StatsEntry& e : entries) {
    nlohmann::json row = {
        {"config", config_json(e.config)}, {"test", e.test}, {"metric", "accuracy"}};
    row.update(stats(e.accuracy));
    row["signature"] = {
        {"within", stats(e.within)}, {"across", stats(e.across)}, {"contrast", stats(e.contrast)}};
    out.push_back(std::move(row));
  }
  return out;
}

}  // namespace savant
