#include "savant/sweep/summary.hpp"

#include <algorithm>
#include <cmath>
#include <map>

#include <fmt/format.h>

namespace savant {
namespace {

// The order of configurations: by the values of their settings, in job_settings' order.
std::vector<double> settings_order(const JobConfig& c) {
  std::vector<double> order;
  for (const Setting* s : job_settings()) {
    order.push_back(s->rank(c));
    if (s->name == kRegimeFollows) {
      order.push_back(static_cast<int>(c.train_on.kind));
      order.push_back(c.train_on.mix);
    }
  }
  order.push_back(c.data_digest);
  return order;
}

}  // namespace

std::vector<StatsEntry> summarize_jobs(const std::vector<StoredJob>& jobs) {
  struct Group {
    JobConfig config;
    std::vector<double> original, shuffled, within, across, contrast;
    std::array<std::vector<double>, kUnitColumns.size()> units;
  };
  std::map<std::string, Group> groups;
  for (const StoredJob& job : jobs) {
    if (job.status != "done") continue;
    auto [it, inserted] = groups.try_emplace(config_key(job.config));
    if (inserted) {
      it->second.config = job.config;
      it->second.config.seed = 0;
    }
    Group& g = it->second;
    g.original.push_back(job.result.original_test.accuracy());
    g.shuffled.push_back(job.result.shuffled_test.accuracy());
    g.within.push_back(job.result.signature.within);
    g.across.push_back(job.result.signature.across);
    g.contrast.push_back(job.result.signature.contrast);
    for (std::size_t i = 0; i < kUnitColumns.size(); ++i) {
      g.units[i].push_back(job.result.units.*kUnitColumns[i].field);  // NaN: not counted
    }
  }
  std::vector<const Group*> sorted;
  for (const auto& [key, group] : groups) sorted.push_back(&group);
  std::stable_sort(sorted.begin(), sorted.end(), [](const Group* a, const Group* b) {
    return settings_order(a->config) < settings_order(b->config);
  });
  std::vector<StatsEntry> out;
  for (const Group* g : sorted) {
    StatsEntry entry{g->config,
                     "original_test",
                     summarize(g->original),
                     summarize(g->within),
                     summarize(g->across),
                     summarize(g->contrast),
                     {}};
    for (std::size_t i = 0; i < kUnitColumns.size(); ++i) entry.units[i] = summarize(g->units[i]);
    out.push_back(entry);
    entry.test = "shuffled_test";
    entry.accuracy = summarize(g->shuffled);
    out.push_back(std::move(entry));
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
    nlohmann::json units = nlohmann::json::object();
    for (std::size_t i = 0; i < kUnitColumns.size(); ++i) {
      units[kUnitColumns[i].name] = stats(e.units[i]);
    }
    row["units"] = std::move(units);
    out.push_back(std::move(row));
  }
  return out;
}

std::string summary_csv(const std::vector<StatsEntry>& entries) {
  // Each summarised number: its column prefix (with _pct when in percent) and its summary.
  struct Measured {
    std::string prefix;
    bool percent;
    const Summary* summary;
  };
  auto measured = [](const StatsEntry& e) {
    std::vector<Measured> out = {{"accuracy_pct", true, &e.accuracy},
                                 {"within", false, &e.within},
                                 {"across", false, &e.across},
                                 {"contrast", false, &e.contrast}};
    for (std::size_t i = 0; i < kUnitColumns.size(); ++i) {
      const UnitColumn& u = kUnitColumns[i];
      out.push_back({fmt::format("{}{}", u.name, u.percent ? "_pct" : ""), u.percent, &e.units[i]});
    }
    return out;
  };
  std::string out;
  for (const Setting* s : job_settings()) {
    out += s->name + ",";
    if (s->name == kRegimeFollows) out += "train_on,";
  }
  out += "data_digest,test,seeds";
  for (const Measured& m : measured(StatsEntry{})) {
    for (const char* stat : {"n", "mean", "std", "ci95_low", "ci95_high"}) {
      out += fmt::format(",{}_{}", m.prefix, stat);
    }
  }
  out += "\n";
  // Undefined numbers are empty fields; the rest at 10 significant digits, enough for any
  // mean of a few seeds and free of binary noise (82.8, not 82.80000000000001).
  auto number = [](double v, bool percent) {
    return std::isfinite(v) ? fmt::format("{:.10g}", percent ? 100 * v : v) : std::string();
  };
  for (const StatsEntry& e : entries) {
    const JobConfig& c = e.config;
    // No field can hold a comma or a quote: the settings' texts are names and numbers.
    for (const Setting* s : job_settings()) {
      out += s->text(c) + ",";
      if (s->name == kRegimeFollows) out += to_string(c.train_on) + ",";
    }
    out += fmt::format("{:08x},{},{}", c.data_digest, e.test, e.accuracy.n);
    for (const Measured& m : measured(e)) {
      const Summary& s = *m.summary;
      out +=
          fmt::format(",{},{},{},{},{}", s.n, number(s.mean, m.percent), number(s.std, m.percent),
                      number(s.ci95_low, m.percent), number(s.ci95_high, m.percent));
    }
    out += "\n";
  }
  return out;
}

}  // namespace savant
