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

// A grouping field's value as text (a group's key and label) and as numbers that order it.
std::string field_text(const std::string& name, const JobConfig& c) {
  if (name == "train_on") return to_string(c.train_on);
  return find_setting(name)->text(c);
}
void add_field_order(const std::string& name, const JobConfig& c, std::vector<double>& order) {
  if (name == "train_on") {
    order.push_back(static_cast<int>(c.train_on.kind));
    order.push_back(c.train_on.mix);
  } else {
    order.push_back(find_setting(name)->rank(c));
  }
}

// An interval of a fraction (an accuracy, a share of images) kept within [0, 1]: Student's
// interval is symmetric about the mean, and with two seeds t(0.975, 1) = 12.7 standard errors
// reach far past either end. NaN (fewer than two seeds) stays NaN.
Summary within_unit_interval(Summary s) {
  if (s.ci95_low < 0) s.ci95_low = 0;
  if (s.ci95_high > 1) s.ci95_high = 1;
  return s;
}

}  // namespace

std::vector<std::pair<std::string, std::string>> group_values(const StatsEntry& entry) {
  std::vector<std::pair<std::string, std::string>> out;
  for (const std::string& name : entry.by) out.emplace_back(name, field_text(name, entry.config));
  return out;
}

std::vector<StatsEntry> summarize_jobs(const std::vector<StoredJob>& jobs,
                                       const std::vector<std::string>& by) {
  struct Group {
    JobConfig config;
    std::vector<double> order;
    std::vector<double> original, shuffled, within, across, contrast;
    std::array<std::vector<double>, kUnitColumns.size()> units;
  };
  std::map<std::string, Group> groups;
  for (const StoredJob& job : jobs) {
    if (job.status != "done") continue;
    std::string key;
    for (const std::string& name : by) key += name + "=" + field_text(name, job.config) + ",";
    auto [it, inserted] = groups.try_emplace(by.empty() ? config_key(job.config) : key);
    if (inserted) {
      it->second.config = job.config;
      if (by.empty()) {
        it->second.config.seed = 0;
        it->second.order = settings_order(job.config);
      } else {
        for (const std::string& name : by) add_field_order(name, job.config, it->second.order);
      }
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
  std::stable_sort(sorted.begin(), sorted.end(),
                   [](const Group* a, const Group* b) { return a->order < b->order; });
  std::vector<StatsEntry> out;
  for (const Group* g : sorted) {
    StatsEntry entry{g->config,
                     by,
                     "original_test",
                     within_unit_interval(summarize(g->original)),
                     summarize(g->within),
                     summarize(g->across),
                     summarize(g->contrast),
                     {}};
    for (std::size_t i = 0; i < kUnitColumns.size(); ++i) {
      entry.units[i] = summarize(g->units[i]);
      if (kUnitColumns[i].percent) entry.units[i] = within_unit_interval(entry.units[i]);
    }
    out.push_back(entry);
    entry.test = "shuffled_test";
    entry.accuracy = within_unit_interval(summarize(g->shuffled));
    out.push_back(std::move(entry));
  }
  return out;
}

const std::vector<EpochSeries>& epoch_series() {
  static const std::vector<EpochSeries> series = {
      {"loss", "training loss (mean cross-entropy)", false, &EpochRecord::loss},
      {"train_accuracy", "training accuracy (%)", true, &EpochRecord::train_accuracy},
      {"test_original_accuracy", "accuracy on the original test images (%)", true,
       &EpochRecord::original_test_accuracy},
      {"test_shuffled_accuracy", "accuracy on the shuffled test images (%)", true,
       &EpochRecord::shuffled_test_accuracy},
  };
  return series;
}

std::vector<EpochStats> summarize_epochs(const std::vector<StoredJob>& jobs) {
  struct Group {
    JobConfig config;
    std::map<std::size_t, std::vector<std::vector<double>>> epochs;  // epoch -> series -> seeds
  };
  const std::vector<EpochSeries>& series = epoch_series();
  std::map<std::string, Group> groups;
  for (const StoredJob& job : jobs) {
    if (job.status != "done") continue;
    auto [it, inserted] = groups.try_emplace(config_key(job.config));
    if (inserted) {
      it->second.config = job.config;
      it->second.config.seed = 0;
    }
    for (const EpochRecord& e : job.result.history) {
      auto& values = it->second.epochs[e.epoch];
      values.resize(series.size());
      for (std::size_t i = 0; i < series.size(); ++i) values[i].push_back(e.*series[i].value);
    }
  }
  std::vector<const Group*> sorted;
  for (const auto& [key, group] : groups) sorted.push_back(&group);
  std::stable_sort(sorted.begin(), sorted.end(), [](const Group* a, const Group* b) {
    return settings_order(a->config) < settings_order(b->config);
  });
  std::vector<EpochStats> out;
  for (const Group* g : sorted) {
    for (const auto& [epoch, values] : g->epochs) {
      EpochStats stats{g->config, epoch, {}};
      for (std::size_t i = 0; i < series.size(); ++i) {
        Summary s = summarize(values[i]);
        if (series[i].fraction) {
          s = within_unit_interval(s);
        } else if (s.ci95_low < 0) {
          s.ci95_low = 0;  // a loss is never below 0
        }
        stats.series.push_back(s);
      }
      out.push_back(std::move(stats));
    }
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
    nlohmann::json config = config_json(e.config);
    if (!e.by.empty()) {
      // Only the settings grouped by: the others vary within the group.
      nlohmann::json grouped = nlohmann::json::object();
      for (const std::string& name : e.by) {
        grouped[name] = name == "train_on" ? config[name] : find_setting(name)->to_json(e.config);
      }
      config = std::move(grouped);
    }
    nlohmann::json row = {{"config", config}, {"test", e.test}, {"metric", "accuracy"}};
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
  const std::vector<std::string> by = entries.empty() ? std::vector<std::string>() : entries[0].by;
  std::string out;
  if (by.empty()) {
    for (const Setting* s : job_settings()) {
      out += s->name + ",";
      if (s->name == kRegimeFollows) out += "train_on,";
    }
    out += "data_digest,";
  } else {
    for (const std::string& name : by) out += name + ",";
  }
  out += "test,seeds";
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
    if (by.empty()) {
      for (const Setting* s : job_settings()) {
        out += s->text(c) + ",";
        if (s->name == kRegimeFollows) out += to_string(c.train_on) + ",";
      }
      out += fmt::format("{:08x},", c.data_digest);
    } else {
      for (const auto& [name, value] : group_values(e)) out += value + ",";
    }
    out += fmt::format("{},{}", e.test, e.accuracy.n);
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
