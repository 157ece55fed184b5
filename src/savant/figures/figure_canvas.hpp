#pragma once
// The io layer's drawing surface: one cairo context whatever the format, and the bytes of the
// finished file. Internal to io (cairo is a private dependency of savant_io).

#include <cairo.h>

#include <array>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <string>

#include "savant/figures/figure.hpp"

namespace savant {

class FigureCanvas {
 public:
  // A white page of width x height (pixels for PNG, points for SVG and PDF).
  FigureCanvas(FigureFormat format, int width, int height);
  ~FigureCanvas();
  FigureCanvas(const FigureCanvas&) = delete;
  FigureCanvas& operator=(const FigureCanvas&) = delete;

  cairo_t* cr() const { return cr_; }
  // Ends the drawing and returns the file's bytes. Throws savant::Error if cairo failed.
  std::string finish();

 private:
  FigureFormat format_;
  std::string bytes_;  // SVG and PDF stream here as cairo writes them
  cairo_surface_t* surface_ = nullptr;
  cairo_t* cr_ = nullptr;
};

using CellColour = std::function<std::array<std::uint8_t, 3>(std::size_t, std::size_t)>;

// Paints a (rows x cols) picture whose cell (r, c) has colour rgb(r, c) at (x, y), each cell
// scale_x x scale_y. PNG: one image scaled without smoothing. SVG and PDF: rectangles, one per
// run of equal cells in a row, each overlapping the next by a little, because viewers smooth
// embedded images and leave hairlines between abutting rectangles.
void paint_cells(cairo_t* cr, FigureFormat format, std::size_t rows, std::size_t cols,
                 const CellColour& rgb, double x, double y, double scale_x, double scale_y);

void set_rgb(cairo_t* cr, std::array<std::uint8_t, 3> rgb, double alpha = 1);

// Text with its left edge (align 0), centre (0.5) or right edge (1) at x, baseline at y.
void draw_text(cairo_t* cr, double x, double y, const std::string& s, double size,
               double align = 0);

// The same, turned a quarter anticlockwise (reading upwards), centred on (x, y).
void draw_vertical_text(cairo_t* cr, double x, double y, const std::string& s, double size);

}  // namespace savant
