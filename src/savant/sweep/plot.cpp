#include "savant/sweep/plot.hpp"

#include <algorithm>
#include <functional>
#include <map>
#include <set>
#include <tuple>

#include <fmt/format.h>

#include "savant/core/error.hpp"

namespace savant {
namespace {

// A sweep over the model setting: the accuracy on the shuffled test images, a colour per
// architecture, solid for the model trained on shuffled images and dashed for the one trained
// on originals.
std::string architectures_figure(const std::vector<StatsEntry>& entries,
                                 const std::function<bool(const JobConfig&)>& chosen,
                                 FigureFormat format, FigureSize size) {
  // Okabe-Ito: the mlp black, the others in colours the run report does not give a model.
  const std::map<Architecture, std::array<std::uint8_t, 3>> colours = {
      {Architecture::mlp, {0, 0, 0}},
      {Architecture::cnn, {213, 94, 0}},
      {Architecture::local, {0, 158, 115}},
      {Architecture::mixer, {204, 121, 167}}};
  std::map<std::pair<Architecture, bool>, ChartSeries> series;
  std::size_t seeds = 0, epochs = 0, limit = 0;
  for (const StatsEntry& e : entries) {
    if (!chosen(e.config) || e.test != "shuffled_test") continue;
    const bool original_model = e.config.train_on.kind == RegimeKind::kOriginal;
    ChartSeries& s = series[{e.config.model, original_model}];
    if (s.label.empty()) {
      s.label = fmt::format("{}, trained on {}", architecture_name(e.config.model),
                            original_model ? "originals" : "puzzles");
      s.colour = colours.at(e.config.model);
      s.dashed = original_model;
    }
    s.points.push_back({static_cast<double>(e.config.grid), e.accuracy.mean, e.accuracy.ci95_low,
                        e.accuracy.ci95_high});
    seeds = std::max(seeds, e.accuracy.n);
    epochs = e.config.epochs;
    limit = e.config.train_limit;
  }
  std::vector<ChartSeries> lines;
  for (auto& [key, s] : series) {
    std::sort(s.points.begin(), s.points.end(),
              [](const ChartPoint& a, const ChartPoint& b) { return a.x < b.x; });
    lines.push_back(std::move(s));
  }
  const std::string images =
      limit ? fmt::format("first {} training images", limit) : "all training images";
  return line_chart_figure(
      fmt::format("Accuracy on shuffled test images against grid size\n{} seed{}, {} epoch{}, {}",
                  seeds, seeds == 1 ? "" : "s", epochs, epochs == 1 ? "" : "s", images),
      "grid size g (image cut into g x g blocks, log scale)", "test accuracy", lines, 0.0, 1.0,
      format, size);
}

}  // namespace

std::string grid_accuracy_figure(const std::vector<StatsEntry>& entries, FigureFormat format,
                                 FigureSize size) {
  // Among derange configurations of the original and shuffled regimes, pick the (width, depth,
  // epochs, batch, lr, data) with the most grid sizes.
  using Shape = std::tuple<std::size_t, std::size_t, std::size_t, std::size_t, float, std::size_t,
                           std::uint32_t>;
  std::map<Shape, std::set<int>> grids;
  auto shape_of = [](const JobConfig& c) {
    return Shape{c.hidden,        c.layers,      c.epochs,     c.batch,
                 c.learning_rate, c.train_limit, c.data_digest};
  };
  auto eligible = [](const JobConfig& c) {
    return c.shuffle == ShuffleMode::kDerange &&
           (c.train_on.kind == RegimeKind::kOriginal || c.train_on.kind == RegimeKind::kShuffled);
  };
  for (const StatsEntry& e : entries) {
    if (eligible(e.config)) grids[shape_of(e.config)].insert(e.config.grid);
  }
  if (grids.empty()) {
    throw InputError(
        "the sweep has no original or shuffled models with shuffle derange to chart; run a "
        "sweep with e.g. grid 2,4,7,14,28 and train_on original,shuffled");
  }
  const Shape best = std::max_element(grids.begin(), grids.end(), [](const auto& a, const auto& b) {
                       return a.second.size() < b.second.size();
                     })->first;
  std::set<Architecture> architectures;
  for (const StatsEntry& e : entries) {
    if (eligible(e.config) && shape_of(e.config) == best) architectures.insert(e.config.model);
  }
  if (architectures.size() > 1) {
    return architectures_figure(
        entries, [&](const JobConfig& c) { return eligible(c) && shape_of(c) == best; }, format,
        size);
  }
  // Okabe-Ito blue and orange, the run report's colours of the two models (docs/REPORT.md).
  const std::array<std::uint8_t, 3> blue{0, 114, 178}, orange{230, 159, 0};
  std::vector<ChartSeries> series = {
      {"original model, original test", blue, false, {}},
      {"original model, shuffled test", blue, true, {}},
      {"shuffled model, shuffled test", orange, false, {}},
      {"shuffled model, original test", orange, true, {}},
  };
  std::size_t seeds = 0;
  for (const StatsEntry& e : entries) {
    if (!eligible(e.config) || shape_of(e.config) != best) continue;
    const bool shuffled_model = e.config.train_on.kind == RegimeKind::kShuffled;
    const bool shuffled_test = e.test == "shuffled_test";
    ChartSeries& s = series[shuffled_model ? (shuffled_test ? 2 : 3) : (shuffled_test ? 1 : 0)];
    s.points.push_back({static_cast<double>(e.config.grid), e.accuracy.mean, e.accuracy.ci95_low,
                        e.accuracy.ci95_high});
    seeds = std::max(seeds, e.accuracy.n);
  }
  for (ChartSeries& s : series) {
    std::sort(s.points.begin(), s.points.end(),
              [](const ChartPoint& a, const ChartPoint& b) { return a.x < b.x; });
  }
  const auto& [hidden, layers, epochs, batch, lr, limit, digest] = best;
  (void)batch, (void)lr, (void)digest;
  const std::string images =
      limit ? fmt::format("first {} training images", limit) : "all training images";
  return line_chart_figure(
      fmt::format("Test accuracy against grid size\n{} seed{}, {} epoch{}, {}x{}, {}", seeds,
                  seeds == 1 ? "" : "s", epochs, epochs == 1 ? "" : "s", hidden, layers, images),
      "grid size g (image cut into g x g blocks, log scale)", "test accuracy", series, 0.0, 1.0,
      format, size);
}

}  // namespace savant
