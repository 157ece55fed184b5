#include "savant/figures/unit_gallery.hpp"

#include <algorithm>
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

}  // namespace

std::string unit_gallery_figure(std::span<const double> kernel, std::size_t rows, std::size_t cols,
                                std::size_t hidden, int grid, const std::string& title,
                                FigureFormat format, int scale, std::size_t columns) {
  const Grid geometry(grid, rows, cols);
  const BlockSpecialisation spec = block_specialisation(kernel, rows, cols, hidden, grid);
  std::vector<std::size_t> order = units_by_home_block(spec);
  // A picture of every unit of a very wide layer would be larger than cairo draws (and than a
  // reader looks at): the first kMaxGalleryUnits in the order, and the title says so.
  const std::size_t shown = std::min(order.size(), kMaxGalleryUnits);
  order.resize(shown);
  const std::string heading =
      shown < hidden ? fmt::format("{} ({} of {} units)", title, shown, hidden) : title;
  columns = std::max<std::size_t>(1, std::min(columns, std::max<std::size_t>(shown, 1)));
  const std::size_t lines = (shown + columns - 1) / columns;
  const int tile_w = static_cast<int>(cols) * scale, tile_h = static_cast<int>(rows) * scale;
  const int margin = 12, title_h = 30, caption_h = 14, gap = 8;
  const int width = 2 * margin + static_cast<int>(columns) * (tile_w + gap) - gap;
  const int height = title_h + static_cast<int>(lines) * (tile_h + caption_h + gap) - gap + margin;
  FigureCanvas canvas(format, width, height);
  cairo_t* cr = canvas.cr();
  cairo_set_source_rgb(cr, 0, 0, 0);
  draw_text(cr, width / 2.0, 21, heading, 15, 0.5);

  for (std::size_t i = 0; i < order.size(); ++i) {
    const std::size_t j = order[i];
    const double x = margin + static_cast<double>((i % columns) * (tile_w + gap));
    const double y = title_h + static_cast<double>((i / columns) * (tile_h + caption_h + gap));
    double extent = 0;
    for (std::size_t p = 0; p < rows * cols; ++p) {
      extent = std::max(extent, std::abs(kernel[p * hidden + j]));
    }
    paint_cells(cr, format, rows, cols, field_colours(kernel, cols, hidden, j, extent), x, y, scale,
                scale);
    // The block borders inside the tile, and its frame.
    cairo_set_source_rgba(cr, 0.2, 0.2, 0.2, 0.8);
    cairo_set_line_width(cr, 1);
    for (std::size_t k = 1; k < geometry.size(); ++k) {
      const double bx = x + static_cast<double>(k * geometry.block_cols() * scale) + 0.5;
      const double by = y + static_cast<double>(k * geometry.block_rows() * scale) + 0.5;
      cairo_move_to(cr, bx, y);
      cairo_line_to(cr, bx, y + tile_h);
      cairo_move_to(cr, x, by);
      cairo_line_to(cr, x + tile_w, by);
    }
    cairo_rectangle(cr, x + 0.5, y + 0.5, tile_w - 1, tile_h - 1);
    cairo_stroke(cr);
    cairo_set_source_rgb(cr, 0, 0, 0);
    const std::string caption =
        std::isnan(spec.specialisation[j])
            ? fmt::format("u{} zero", j)
            : fmt::format("u{} b{} {:.2f}", j, spec.home[j], spec.specialisation[j]);
    draw_text(cr, x + tile_w / 2.0, y + tile_h + 11, caption, 9, 0.5);
  }
  return canvas.finish();
}

}  // namespace savant
