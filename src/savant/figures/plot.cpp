#include "savant/figures/plot.hpp"

#include <algorithm>
#include <cmath>
#include <functional>
#include <limits>

#include <fmt/format.h>

#include "savant/figures/figure_canvas.hpp"

namespace savant {
namespace {

// The borders of a g x g grid over a w x h rectangle at (x, y).
void block_borders(cairo_t* cr, int grid, double x, double y, double w, double h) {
  for (int k = 1; k < grid; ++k) {
    cairo_move_to(cr, x + w * k / grid, y);
    cairo_line_to(cr, x + w * k / grid, y + h);
    cairo_move_to(cr, x, y + h * k / grid);
    cairo_line_to(cr, x + w, y + h * k / grid);
  }
  cairo_stroke(cr);
}

void tick_line(cairo_t* cr, double x0, double y0, double x1, double y1) {
  cairo_move_to(cr, x0, y0);
  cairo_line_to(cr, x1, y1);
  cairo_stroke(cr);
}

}  // namespace

ColourScale colour_scale_of(std::initializer_list<std::span<const double>> maps) {
  ColourScale scale{std::numeric_limits<double>::infinity(),
                    -std::numeric_limits<double>::infinity()};
  for (std::span<const double> map : maps) {
    for (double v : map) {
      if (std::isnan(v)) continue;
      scale.min = std::min(scale.min, v);
      scale.max = std::max(scale.max, v);
    }
  }
  if (!(scale.min <= scale.max)) return {-1, 1};
  return scale;
}

std::string heatmap_figure(std::span<const double> values, std::size_t rows, std::size_t cols,
                           const HeatmapStyle& style, FigureFormat format) {
  const int cell = style.cell;
  const double map_w = static_cast<double>(cols) * cell, map_h = static_cast<double>(rows) * cell;
  const double left = 58, top = 40, bottom = 46, bar_gap = 20, bar_w = 18;
  const double width = left + map_w + bar_gap + bar_w + 84, height = top + map_h + bottom;
  FigureCanvas canvas(format, static_cast<int>(width), static_cast<int>(height));
  cairo_t* cr = canvas.cr();

  const ColourScale scale = style.scale;
  const double span = scale.max > scale.min ? scale.max - scale.min : 1.0;
  const bool any_nan =
      std::any_of(values.begin(), values.end(), [](double v) { return std::isnan(v); });
  paint_cells(
      cr, format, rows, cols,
      [&](std::size_t r, std::size_t c) {
        const double v = values[r * cols + c];
        return std::isnan(v) ? kNoValueGrey : viridis((v - scale.min) / span);
      },
      left, top, cell, cell);
  if (style.grid > 1) {
    cairo_set_source_rgba(cr, 1, 1, 1, 0.9);
    cairo_set_line_width(cr, 1.5);
    block_borders(cr, style.grid, left, top, map_w, map_h);
  }
  cairo_set_source_rgb(cr, 0, 0, 0);
  draw_text(cr, left + map_w / 2, 24, style.title, 15, 0.5);

  // Pixel axes: ticks at the centres of the columns and rows they name.
  cairo_set_line_width(cr, 1);
  const auto pixel_ticks = [](std::size_t n) { return nice_ticks(0, static_cast<double>(n) - 1); };
  for (double t : pixel_ticks(cols)) {
    const double x = left + (t + 0.5) * cell;
    tick_line(cr, x, top + map_h, x, top + map_h + 4);
    draw_text(cr, x, top + map_h + 16, tick_label(t, 1), 11, 0.5);
  }
  draw_text(cr, left + map_w / 2, top + map_h + 36, "pixel column", 12, 0.5);
  for (double t : pixel_ticks(rows)) {
    const double y = top + (t + 0.5) * cell;
    tick_line(cr, left - 4, y, left, y);
    draw_text(cr, left - 7, y + 4, tick_label(t, 1), 11, 1);
  }
  draw_vertical_text(cr, 16, top + map_h / 2, "pixel row", 12);

  // The colour bar: max at the top, min at the bottom, round ticks, its label beside it.
  const double bar_x = left + map_w + bar_gap;
  paint_cells(
      cr, format, 256, 1,
      [](std::size_t r, std::size_t) { return viridis((255.5 - static_cast<double>(r)) / 256); },
      bar_x, top, bar_w, map_h / 256);
  cairo_set_source_rgb(cr, 0, 0, 0);
  cairo_rectangle(cr, bar_x, top, bar_w, map_h);
  cairo_stroke(cr);
  const std::vector<double> ticks = nice_ticks(scale.min, scale.max);
  const double step = ticks.size() > 1 ? ticks[1] - ticks[0] : 1;
  for (double t : ticks) {
    const double y = top + (1 - (t - scale.min) / span) * map_h;
    tick_line(cr, bar_x + bar_w, y, bar_x + bar_w + 4, y);
    draw_text(cr, bar_x + bar_w + 7, y + 4, tick_label(t, step), 11);
  }
  draw_vertical_text(cr, bar_x + bar_w + 66, top + map_h / 2, style.bar_label, 12);
  if (any_nan) {
    set_rgb(cr, kNoValueGrey);
    cairo_rectangle(cr, bar_x, top + map_h + 12, 12, 12);
    cairo_fill(cr);
    cairo_set_source_rgb(cr, 0, 0, 0);
    draw_text(cr, bar_x + 17, top + map_h + 22, "no value", 11);
  }
  return canvas.finish();
}

std::string samples_figure(const std::vector<SampleRow>& samples, std::size_t rows,
                           std::size_t cols, int grid, FigureFormat format, int scale) {
  const std::size_t per_band = std::clamp<std::size_t>(samples.size(), 1, 6);
  const std::size_t bands = (samples.size() + per_band - 1) / per_band;
  const double img_w = static_cast<double>(cols) * scale, img_h = static_cast<double>(rows) * scale;
  const double margin = 12, label_w = 70, caption_h = 20, gap = 10, band_gap = 18;
  const double band_h = caption_h + img_h + gap + img_h + band_gap;
  const double width =
      margin + label_w + static_cast<double>(per_band) * (img_w + gap) - gap + margin;
  const double height = margin + static_cast<double>(bands) * band_h - band_gap + margin;
  FigureCanvas canvas(format, static_cast<int>(std::ceil(width)),
                      static_cast<int>(std::ceil(height)));
  cairo_t* cr = canvas.cr();

  for (std::size_t band = 0; band < bands; ++band) {
    const double y0 = margin + static_cast<double>(band) * band_h;
    const double y_original = y0 + caption_h, y_shuffled = y_original + img_h + gap;
    cairo_set_source_rgb(cr, 0.2, 0.2, 0.2);
    draw_text(cr, margin, y_original + img_h / 2 + 4, "original", 12);
    draw_text(cr, margin, y_shuffled + img_h / 2 + (grid > 1 ? -2 : 4), "shuffled", 12);
    if (grid > 1) {
      draw_text(cr, margin, y_shuffled + img_h / 2 + 13, fmt::format("{0} × {0} blocks", grid), 10);
    }
    for (std::size_t k = 0; k < per_band && band * per_band + k < samples.size(); ++k) {
      const SampleRow& sample = samples[band * per_band + k];
      const double x = margin + label_w + static_cast<double>(k) * (img_w + gap);
      cairo_set_source_rgb(cr, 0, 0, 0);
      draw_text(cr, x + img_w / 2, y0 + 14, sample.caption, 12, 0.5);
      for (const auto& [picture, y] :
           {std::pair{sample.original, y_original}, std::pair{sample.shuffled, y_shuffled}}) {
        const std::span<const std::uint8_t> pixels = picture;
        // Dark garment on white, as the article prints them.
        paint_cells(
            cr, format, rows, cols,
            [&](std::size_t r, std::size_t c) {
              const auto v = static_cast<std::uint8_t>(255 - pixels[r * cols + c]);
              return std::array<std::uint8_t, 3>{v, v, v};
            },
            x, y, scale, scale);
        if (grid > 1) {
          cairo_set_source_rgba(cr, 0.25, 0.5, 0.85, 0.55);
          cairo_set_line_width(cr, 0.75);
          block_borders(cr, grid, x, y, img_w, img_h);
        }
        cairo_set_source_rgb(cr, 0.45, 0.45, 0.45);
        cairo_set_line_width(cr, 1);
        cairo_rectangle(cr, x - 0.5, y - 0.5, img_w + 1, img_h + 1);
        cairo_stroke(cr);
      }
    }
  }
  return canvas.finish();
}

}  // namespace savant
