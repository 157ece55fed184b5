#include "savant/figures/plot.hpp"

#include <algorithm>
#include <cmath>
#include <functional>
#include <limits>
#include <string>

#include <fmt/format.h>

#include "savant/core/error.hpp"
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
                           const HeatmapStyle& style, FigureFormat format, FigureSize size) {
  const FigureType type = figure_type(size);
  const ColourScale scale = style.scale;
  const double span = scale.max > scale.min ? scale.max - scale.min : 1.0;
  const std::vector<double> bar_ticks = nice_ticks(scale.min, scale.max);
  const double bar_step = bar_ticks.size() > 1 ? bar_ticks[1] - bar_ticks[0] : 1;
  const bool any_nan =
      std::any_of(values.begin(), values.end(), [](double v) { return std::isnan(v); });

  // The screen's layout in pixels; a print size's scaled to its text (u: a screen pixel), the
  // map as wide as what the text leaves, and the colour bar's label just past its tick labels.
  const double u = type.tick / 11;
  double left = 58 * u, top = 40 * u, bottom = 46 * u, bar_gap = 20 * u, bar_w = 18 * u;
  double label_x = 66 * u, right = 84 * u, cell = style.cell;
  double title_y = 24;
  std::vector<std::string> title_lines{style.title};
  double width = 0;
  if (type.print()) {
    TextRuler ruler;
    double widest = 0;
    for (double t : bar_ticks) {
      widest = std::max(widest, text_width(ruler.cr(), tick_label(t, bar_step), type.tick));
    }
    bar_gap = 12 * u;
    bar_w = 12 * u;
    label_x = 7 * u + widest + 4 * u + type.label * 0.5;
    right = label_x + type.label * 0.7;
    // The "no value" key under the bar stays inside the figure.
    if (any_nan)
      right = std::max(right, 17 * u + text_width(ruler.cr(), "no value", type.tick) + 2 - bar_w);
    title_lines = wrap_text(ruler.cr(), style.title, type.title, type.width - 8);
    title_y = 4 + type.title;
    top = title_y + static_cast<double>(title_lines.size() - 1) * type.title * 1.2 + 10 * u;
    width = type.width;
    cell = (width - left - bar_gap - bar_w - right) / static_cast<double>(cols);
    if (type.max_height > 0) {
      cell = std::min(cell, (type.max_height - top - bottom) / static_cast<double>(rows));
    }
  }
  const double map_w = static_cast<double>(cols) * cell, map_h = static_cast<double>(rows) * cell;
  if (!type.print()) width = left + map_w + bar_gap + bar_w + right;
  const double height = top + map_h + bottom;
  FigureCanvas canvas(format, width, height, type.pixels_per_point);
  cairo_t* cr = canvas.cr();

  paint_cells(
      cr, rows, cols,
      [&](std::size_t r, std::size_t c) {
        const double v = values[r * cols + c];
        return std::isnan(v) ? kNoValueGrey : viridis((v - scale.min) / span);
      },
      left, top, cell, cell);
  if (style.grid > 1) {
    cairo_set_source_rgba(cr, 1, 1, 1, 0.9);
    cairo_set_line_width(cr, 1.5 * u);
    block_borders(cr, style.grid, left, top, map_w, map_h);
  }
  cairo_set_source_rgb(cr, 0, 0, 0);
  for (std::size_t i = 0; i < title_lines.size(); ++i) {
    draw_text(cr, type.print() ? width / 2 : left + map_w / 2,
              title_y + static_cast<double>(i) * type.title * 1.2, title_lines[i], type.title, 0.5);
  }

  // Pixel axes: ticks at the centres of the columns and rows they name.
  cairo_set_line_width(cr, u);
  const auto pixel_ticks = [](std::size_t n) { return nice_ticks(0, static_cast<double>(n) - 1); };
  for (double t : pixel_ticks(cols)) {
    const double x = left + (t + 0.5) * cell;
    tick_line(cr, x, top + map_h, x, top + map_h + 4 * u);
    draw_text(cr, x, top + map_h + 16 * u, tick_label(t, 1), type.tick, 0.5);
  }
  draw_text(cr, left + map_w / 2, top + map_h + 36 * u, "pixel column", type.label, 0.5);
  for (double t : pixel_ticks(rows)) {
    const double y = top + (t + 0.5) * cell;
    tick_line(cr, left - 4 * u, y, left, y);
    draw_text(cr, left - 7 * u, y + 4 * u, tick_label(t, 1), type.tick, 1);
  }
  draw_vertical_text(cr, 16 * u, top + map_h / 2, "pixel row", type.label);

  // The colour bar: max at the top, min at the bottom, round ticks, its label beside it.
  const double bar_x = left + map_w + bar_gap;
  paint_cells(
      cr, 256, 1,
      [](std::size_t r, std::size_t) { return viridis((255.5 - static_cast<double>(r)) / 256); },
      bar_x, top, bar_w, map_h / 256);
  cairo_set_source_rgb(cr, 0, 0, 0);
  cairo_rectangle(cr, bar_x, top, bar_w, map_h);
  cairo_stroke(cr);
  for (double t : bar_ticks) {
    const double y = top + (1 - (t - scale.min) / span) * map_h;
    tick_line(cr, bar_x + bar_w, y, bar_x + bar_w + 4 * u, y);
    draw_text(cr, bar_x + bar_w + 7 * u, y + 4 * u, tick_label(t, bar_step), type.tick);
  }
  draw_vertical_text(cr, bar_x + bar_w + label_x, top + map_h / 2, style.bar_label, type.label);
  if (any_nan) {
    set_rgb(cr, kNoValueGrey);
    cairo_rectangle(cr, bar_x, top + map_h + 12 * u, 12 * u, 12 * u);
    cairo_fill(cr);
    cairo_set_source_rgb(cr, 0, 0, 0);
    draw_text(cr, bar_x + 17 * u, top + map_h + 22 * u, "no value", type.tick);
  }
  return canvas.finish();
}

std::string samples_figure(const std::vector<SampleRow>& samples, std::size_t rows,
                           std::size_t cols, int grid, FigureFormat format, int scale,
                           FigureSize size) {
  const FigureType type = figure_type(size);
  const double u = type.tick / 11;
  // A column holds three samples a band; the screen and a page six.
  const std::size_t most = size == FigureSize::kColumn ? 3 : 6;
  const std::size_t per_band = std::clamp<std::size_t>(samples.size(), 1, most);
  const std::size_t bands = (samples.size() + per_band - 1) / per_band;
  double margin = 12 * u, label_w = 70 * u, gap = 10 * u;
  const double caption_h = 20 * u, band_gap = 18 * u;
  double pixel = scale;  // an image pixel's side
  if (type.print()) {
    TextRuler ruler;
    margin = 6;
    label_w =
        gap + std::max({text_width(ruler.cr(), "original", type.label),
                        text_width(ruler.cr(), "shuffled", type.label),
                        text_width(ruler.cr(), fmt::format("{0} × {0} blocks", grid), type.note)});
    pixel = (type.width - 2 * margin - label_w - static_cast<double>(per_band - 1) * gap) /
            static_cast<double>(per_band * cols);
  }
  const double img_w = static_cast<double>(cols) * pixel, img_h = static_cast<double>(rows) * pixel;
  const double band_h = caption_h + img_h + gap + img_h + band_gap;
  const double width =
      type.print()
          ? type.width
          : margin + label_w + static_cast<double>(per_band) * (img_w + gap) - gap + margin;
  const double height = margin + static_cast<double>(bands) * band_h - band_gap + margin;
  FigureCanvas canvas(format, type.print() ? width : std::ceil(width),
                      type.print() ? height : std::ceil(height), type.pixels_per_point);
  cairo_t* cr = canvas.cr();

  for (std::size_t band = 0; band < bands; ++band) {
    const double y0 = margin + static_cast<double>(band) * band_h;
    const double y_original = y0 + caption_h, y_shuffled = y_original + img_h + gap;
    cairo_set_source_rgb(cr, 0.2, 0.2, 0.2);
    draw_text(cr, margin, y_original + img_h / 2 + 4 * u, "original", type.label);
    draw_text(cr, margin, y_shuffled + img_h / 2 + (grid > 1 ? -2 : 4) * u, "shuffled", type.label);
    if (grid > 1) {
      draw_text(cr, margin, y_shuffled + img_h / 2 + 13 * u, fmt::format("{0} × {0} blocks", grid),
                type.print() ? type.note : 10);
    }
    for (std::size_t k = 0; k < per_band && band * per_band + k < samples.size(); ++k) {
      const SampleRow& sample = samples[band * per_band + k];
      const double x = margin + label_w + static_cast<double>(k) * (img_w + gap);
      cairo_set_source_rgb(cr, 0, 0, 0);
      draw_text(cr, x + img_w / 2, y0 + 14 * u, sample.caption, type.label, 0.5);
      for (const auto& [picture, y] :
           {std::pair{sample.original, y_original}, std::pair{sample.shuffled, y_shuffled}}) {
        const std::span<const std::uint8_t> pixels = picture;
        // Dark garment on white, as the article prints them.
        paint_cells(
            cr, rows, cols,
            [&](std::size_t r, std::size_t c) {
              const auto v = static_cast<std::uint8_t>(255 - pixels[r * cols + c]);
              return std::array<std::uint8_t, 3>{v, v, v};
            },
            x, y, pixel, pixel);
        if (grid > 1) {
          cairo_set_source_rgba(cr, 0.25, 0.5, 0.85, 0.55);
          cairo_set_line_width(cr, 0.75 * u);
          block_borders(cr, grid, x, y, img_w, img_h);
        }
        cairo_set_source_rgb(cr, 0.45, 0.45, 0.45);
        cairo_set_line_width(cr, u);
        cairo_rectangle(cr, x - 0.5 * u, y - 0.5 * u, img_w + u, img_h + u);
        cairo_stroke(cr);
      }
    }
  }
  return canvas.finish();
}

std::string first_layer_figure(std::span<const float> values, std::size_t count, std::size_t rows,
                               std::size_t cols, const std::string& title, FigureFormat format,
                               FigureSize size) {
  if (count == 0 || rows == 0 || cols == 0 || values.size() != count * rows * cols) {
    throw Error(fmt::format("a first layer of {} pictures of {} x {} weights given {} values",
                            count, rows, cols, values.size()));
  }
  const FigureType type = figure_type(size);
  const double u = type.tick / 11;
  const double margin = type.print() ? 6 : 12 * u, gap = 8 * u, caption_h = type.note * 1.6;
  const std::size_t most = size == FigureSize::kColumn ? 8 : 16;
  const std::size_t columns = std::min(count, most);
  const std::size_t lines = (count + columns - 1) / columns;
  const std::size_t side = std::max(rows, cols);
  // A weight's square: a picture about 48 points on the screen; in print, the width filled.
  const double pixel = type.print()
                           ? (type.width - 2 * margin - static_cast<double>(columns - 1) * gap) /
                                 static_cast<double>(columns * side)
                           : std::max(3.0, std::round(48.0 / static_cast<double>(side)));
  const double tile_w = static_cast<double>(cols) * pixel,
               tile_h = static_cast<double>(rows) * pixel;
  const double pitch = static_cast<double>(side) * pixel;
  const double width =
      type.print()
          ? type.width
          : std::max(2 * margin + static_cast<double>(columns) * (pitch + gap) - gap, 320 * u);
  TextRuler ruler;
  const std::vector<std::string> title_lines =
      wrap_text(ruler.cr(), title, type.title, width - 2 * margin);
  const std::vector<std::string> note_lines = wrap_text(
      ruler.cr(),
      "Each picture on its own scale: blue negative, white zero, red positive (its largest "
      "magnitude at the ends).",
      type.note, width - 2 * margin);
  const double top = margin + static_cast<double>(title_lines.size()) * type.title * 1.2 +
                     static_cast<double>(note_lines.size()) * type.note * 1.3 + 6 * u;
  const double line_h = tile_h + caption_h + gap;
  const double height = top + static_cast<double>(lines) * line_h - gap + margin;
  FigureCanvas canvas(format, type.print() ? width : std::ceil(width),
                      type.print() ? height : std::ceil(height), type.pixels_per_point);
  cairo_t* cr = canvas.cr();

  double y = margin;
  cairo_set_source_rgb(cr, 0, 0, 0);
  for (const std::string& line : title_lines) {
    y += type.title;
    draw_text(cr, margin, y, line, type.title);
    y += type.title * 0.2;
  }
  cairo_set_source_rgb(cr, 0.3, 0.3, 0.3);
  for (const std::string& line : note_lines) {
    y += type.note * 1.3;
    draw_text(cr, margin, y, line, type.note);
  }
  for (std::size_t k = 0; k < count; ++k) {
    const std::span<const float> picture = values.subspan(k * rows * cols, rows * cols);
    float largest = 0;
    for (float w : picture) largest = std::max(largest, std::abs(w));
    const double x =
        margin + static_cast<double>(k % columns) * (pitch + gap) + (pitch - tile_w) / 2;
    const double y0 = top + static_cast<double>(k / columns) * line_h;
    paint_cells(
        cr, rows, cols,
        [&](std::size_t r, std::size_t c) {
          const double w = picture[r * cols + c];
          return diverging(largest > 0 ? 0.5 + 0.5 * w / static_cast<double>(largest) : 0.5);
        },
        x, y0, pixel, pixel);
    cairo_set_source_rgb(cr, 0.45, 0.45, 0.45);
    cairo_set_line_width(cr, 0.75 * u);
    cairo_rectangle(cr, x - 0.5 * u, y0 - 0.5 * u, tile_w + u, tile_h + u);
    cairo_stroke(cr);
    cairo_set_source_rgb(cr, 0.2, 0.2, 0.2);
    draw_text(cr, x + tile_w / 2, y0 + tile_h + type.note * 1.3, std::to_string(k), type.note, 0.5);
  }
  return canvas.finish();
}

}  // namespace savant
