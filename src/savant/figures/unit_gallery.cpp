#include "savant/figures/unit_gallery.hpp"

#include <algorithm>
#include <array>
#include <cmath>

#include <fmt/format.h>

#include "savant/analysis/units.hpp"
#include "savant/data/grid.hpp"
#include "savant/figures/colour_maps.hpp"
#include "savant/figures/figure_canvas.hpp"

namespace savant {
namespace {

// Unit j's weights, kernel (rows * cols, hidden) column j, as colours on its own diverging
// scale: the largest |w| of the unit is the end of the scale.
CellColour field_colours(std::span<const double> kernel, std::size_t cols, std::size_t hidden,
                         std::size_t j, double extent) {
  return [kernel, cols, hidden, j, extent](std::size_t r, std::size_t c) {
    const double w = kernel[(r * cols + c) * hidden + j];
    return diverging(extent > 0 ? 0.5 + 0.5 * w / extent : 0.5);
  };
}

// The lines under unit j's tile: what each number is, spelled out.
std::array<std::string, 3> caption_of(const BlockSpecialisation& spec, std::size_t j) {
  if (std::isnan(spec.specialisation[j])) return {fmt::format("unit {}", j), "all weights", "zero"};
  return {fmt::format("unit {}", j), fmt::format("block {}", spec.home[j]),
          fmt::format("spec. {:.2f}", spec.specialisation[j])};
}

constexpr double kKeyTicks[] = {-1, -0.5, 0, 0.5, 1};
constexpr const char* kKeyLabel = "weight / the unit's largest |weight|";

}  // namespace

GalleryLayout gallery_layout(const BlockSpecialisation& spec, std::size_t rows, std::size_t cols,
                             int grid, const std::string& title, int scale, std::size_t columns,
                             FigureSize size) {
  GalleryLayout g;
  const std::size_t hidden = spec.units;
  g.order = units_by_home_block(spec);
  g.type = figure_type(size);
  const FigureType& type = g.type;
  g.u = type.tick / 11;
  const double u = g.u;
  // Text: captions (three lines under a tile), the colour key and the legend at the note size.
  g.caption_line = std::ceil(type.note * 1.2);
  g.margin = type.print() ? 6 : 12;
  g.gap = 8 * u;
  const double caption_h = 3 * g.caption_line + 3 * u;

  TextRuler ruler;
  double widest_caption = 0;
  for (std::size_t j = 0; j < hidden; ++j) {
    for (const std::string& line : caption_of(spec, j)) {
      widest_caption = std::max(widest_caption, text_width(ruler.cr(), line, type.note));
    }
  }
  // A tile is `pixel` x `pixel` a weight; a column of tiles as wide as the tile or its caption.
  g.pixel = scale;
  if (type.print()) {
    const double least = std::max(widest_caption + 2, static_cast<double>(cols) * 1.2);
    columns = static_cast<std::size_t>(
        std::max(1.0, std::floor((type.width - 2 * g.margin + g.gap) / (least + g.gap))));
    g.pixel = (type.width - 2 * g.margin - static_cast<double>(columns - 1) * g.gap) /
              static_cast<double>(columns * cols);
  }
  g.tile_w = static_cast<double>(cols) * g.pixel;
  g.tile_h = static_cast<double>(rows) * g.pixel;
  g.pitch = std::max(g.tile_w, std::ceil(widest_caption) + 2);
  g.line_h = g.tile_h + caption_h + g.gap;

  // The header: the title, the colour key and the legend, each wrapped to the width.
  const std::size_t fit =
      std::max<std::size_t>(1, std::min(columns, std::max<std::size_t>(g.order.size(), 1)));
  g.width = type.print() ? type.width
                         : 2 * g.margin + static_cast<double>(fit) * (g.pitch + g.gap) - g.gap;
  const std::string legend = fmt::format(
      "Each tile: the weights of one hidden unit from every pixel (red positive, blue negative, "
      "white zero, each tile on its own scale), the {0} x {0} blocks outlined. Under it: the "
      "unit's number, its home block (the block holding the largest share of its squared "
      "weight, numbered row by row from the top left) and its specialisation (that share, from "
      "1/{1} for a unit spread evenly to 1 for a unit that sees one block only).",
      grid, grid * grid);
  g.legend_lines = wrap_text(ruler.cr(), legend, type.note, g.width - 2 * g.margin);
  g.key_w = std::min(160 * u, g.width - 2 * g.margin);
  g.key_h = 8 * u;
  g.key_label_beside = g.margin + g.key_w + 10 * u + text_width(ruler.cr(), kKeyLabel, type.note) <=
                       g.width - g.margin;

  // A very wide layer's units (or a page's worth of them in print): the first in the order, and
  // the title says how many of how many.
  const auto title_for = [&](std::size_t shown) {
    const std::string heading =
        shown < hidden ? fmt::format("{} ({} of {} units)", title, shown, hidden) : title;
    return type.print() ? wrap_text(ruler.cr(), heading, type.title, g.width - 2 * g.margin)
                        : std::vector<std::string>{heading};
  };
  const auto key_y = [&](std::size_t title_lines) {
    return 8 * u + static_cast<double>(title_lines) * type.title * 1.2 + 6 * u;
  };
  const auto header_height = [&](std::size_t title_lines) {
    return key_y(title_lines) + g.key_h + (g.key_label_beside ? 0 : type.note * 1.2) +
           type.note * 1.6 + static_cast<double>(g.legend_lines.size()) * type.note * 1.25 + 8 * u;
  };
  std::size_t shown = std::min(g.order.size(), kMaxGalleryUnits);
  g.title_lines = title_for(shown);
  if (type.max_height > 0) {
    const double room =
        type.max_height - header_height(g.title_lines.size() + 1) - g.margin + g.gap;
    const auto lines = static_cast<std::size_t>(std::max(1.0, std::floor(room / g.line_h)));
    shown = std::min(shown, lines * columns);
    g.title_lines = title_for(shown);
  }
  g.order.resize(shown);
  g.columns = std::max<std::size_t>(1, std::min(columns, std::max<std::size_t>(shown, 1)));
  const std::size_t lines = (shown + g.columns - 1) / g.columns;
  g.key_y = key_y(g.title_lines.size());
  g.top = header_height(g.title_lines.size());
  g.height = g.top + static_cast<double>(lines) * g.line_h - g.gap + g.margin;
  return g;
}

std::pair<double, double> GalleryLayout::tile(std::size_t i) const {
  const double centre = margin + static_cast<double>(i % columns) * (pitch + gap) + pitch / 2;
  return {centre - tile_w / 2, top + static_cast<double>(i / columns) * line_h};
}

std::string unit_gallery_figure(std::span<const double> kernel, std::size_t rows, std::size_t cols,
                                std::size_t hidden, int grid, const std::string& title,
                                FigureFormat format, int scale, std::size_t columns,
                                FigureSize size) {
  const Grid geometry(grid, rows, cols);
  const BlockSpecialisation spec = block_specialisation(kernel, rows, cols, hidden, grid);
  const GalleryLayout g = gallery_layout(spec, rows, cols, grid, title, scale, columns, size);
  const FigureType& type = g.type;
  const double u = g.u, margin = g.margin, width = g.width, height = g.height;
  const double key_w = g.key_w, key_h = g.key_h, pixel = g.pixel, tile_w = g.tile_w,
               tile_h = g.tile_h;
  FigureCanvas canvas(format, type.print() ? width : std::ceil(width),
                      type.print() ? height : std::ceil(height), type.pixels_per_point);
  cairo_t* cr = canvas.cr();

  cairo_set_source_rgb(cr, 0, 0, 0);
  double y = 8 * u;
  for (const std::string& line : g.title_lines) {
    y += type.title * 1.2;
    draw_text(cr, width / 2.0, y - type.title * 0.2, line, type.title, 0.5);
  }
  // The colour key: the diverging scale over [-1, 1] of a unit's largest |weight|.
  y = g.key_y;
  paint_cells(
      cr, 1, 256,
      [](std::size_t, std::size_t c) { return diverging((static_cast<double>(c) + 0.5) / 256); },
      margin, y, key_w / 256, key_h);
  cairo_set_source_rgb(cr, 0.2, 0.2, 0.2);
  cairo_set_line_width(cr, 0.5 * u);
  cairo_rectangle(cr, margin, y, key_w, key_h);
  cairo_stroke(cr);
  for (double t : kKeyTicks) {
    const double x = margin + (t + 1) / 2 * key_w;
    cairo_move_to(cr, x, y + key_h);
    cairo_line_to(cr, x, y + key_h + 3 * u);
    cairo_stroke(cr);
    const std::string label = fmt::format("{}{}", t > 0 ? "+" : "", tick_label(t, 0.5));
    draw_text(cr, x, y + key_h + 3 * u + type.note, label, type.note,
              t == -1  ? 0
              : t == 1 ? 1
                       : 0.5);
  }
  if (g.key_label_beside) {
    draw_text(cr, margin + key_w + 10 * u, y + key_h - 0.5 * u, kKeyLabel, type.note);
  } else {
    draw_text(cr, margin, y + key_h + 3 * u + type.note * 2.2, kKeyLabel, type.note);
    y += type.note * 1.2;
  }
  y += key_h + type.note * 1.6;
  for (const std::string& line : g.legend_lines) {
    y += type.note * 1.25;
    draw_text(cr, margin, y, line, type.note);
  }

  for (std::size_t i = 0; i < g.order.size(); ++i) {
    const std::size_t j = g.order[i];
    const auto [x, ty] = g.tile(i);
    const double cx = x + tile_w / 2;
    double extent = 0;
    for (std::size_t p = 0; p < rows * cols; ++p) {
      extent = std::max(extent, std::abs(kernel[p * hidden + j]));
    }
    paint_cells(cr, rows, cols, field_colours(kernel, cols, hidden, j, extent), x, ty, pixel,
                pixel);
    // The block borders inside the tile, and its frame.
    cairo_set_source_rgba(cr, 0.2, 0.2, 0.2, 0.8);
    cairo_set_line_width(cr, u);
    const double half = 0.5 * u;
    for (std::size_t k = 1; k < geometry.size(); ++k) {
      const double bx = x + static_cast<double>(k * geometry.block_cols()) * pixel + half;
      const double by = ty + static_cast<double>(k * geometry.block_rows()) * pixel + half;
      cairo_move_to(cr, bx, ty);
      cairo_line_to(cr, bx, ty + tile_h);
      cairo_move_to(cr, x, by);
      cairo_line_to(cr, x + tile_w, by);
    }
    cairo_rectangle(cr, x + half, ty + half, tile_w - u, tile_h - u);
    cairo_stroke(cr);
    cairo_set_source_rgb(cr, 0, 0, 0);
    double line_y = ty + tile_h + 2 * u;
    for (const std::string& line : caption_of(spec, j)) {
      line_y += g.caption_line;
      draw_text(cr, cx, line_y - type.note * 0.2, line, type.note, 0.5);
    }
  }
  return canvas.finish();
}

}  // namespace savant
