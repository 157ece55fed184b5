#pragma once
// The io layer's drawing surface: one cairo context whatever the format, and the bytes of the
// finished file. Internal to io (cairo is a private dependency of savant_io).

#include <cairo.h>

#include <array>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "savant/figures/figure.hpp"

namespace savant {

class FigureCanvas {
 public:
  // A white page of width x height points, drawn in points: PNG has `pixels_per_point` pixels a
  // point (rounded up to whole pixels), SVG and PDF are measured in points.
  FigureCanvas(FigureFormat format, double width, double height, double pixels_per_point = 1);
  ~FigureCanvas();
  FigureCanvas(const FigureCanvas&) = delete;
  FigureCanvas& operator=(const FigureCanvas&) = delete;

  cairo_t* cr() const { return cr_; }
  // Ends the drawing and returns the file's bytes. Throws savant::Error if cairo failed.
  std::string finish();

 private:
  FigureFormat format_;
  double pixels_per_point_ = 1;
  std::string bytes_;  // SVG and PDF stream here as cairo writes them
  cairo_surface_t* surface_ = nullptr;
  cairo_t* cr_ = nullptr;
};

// A context to measure text with before a figure's canvas exists (its size may depend on it).
class TextRuler {
 public:
  TextRuler();
  ~TextRuler();
  TextRuler(const TextRuler&) = delete;
  TextRuler& operator=(const TextRuler&) = delete;
  cairo_t* cr() const { return cr_; }

 private:
  cairo_surface_t* surface_ = nullptr;
  cairo_t* cr_ = nullptr;
};

using CellColour = std::function<std::array<std::uint8_t, 3>(std::size_t, std::size_t)>;

// Paints a (rows x cols) picture whose cell (r, c) has colour rgb(r, c) at (x, y), each cell
// scale_x x scale_y, as one image of a pixel per cell scaled without smoothing: in PDF an image
// marked not to be interpolated, in SVG a PNG image marked image-rendering: pixelated
// (FigureCanvas::finish), so that a raster figure stays the size of its pixels, not one
// rectangle per cell.
void paint_cells(cairo_t* cr, std::size_t rows, std::size_t cols, const CellColour& rgb, double x,
                 double y, double scale_x, double scale_y);

void set_rgb(cairo_t* cr, std::array<std::uint8_t, 3> rgb, double alpha = 1);

// Text with its left edge (align 0), centre (0.5) or right edge (1) at x, baseline at y.
void draw_text(cairo_t* cr, double x, double y, const std::string& s, double size,
               double align = 0);

// The width of `s` drawn at `size`.
double text_width(cairo_t* cr, const std::string& s, double size);

// `s` broken at spaces into lines no wider than max_width at `size` (a word wider than that is
// a line of its own).
std::vector<std::string> wrap_text(cairo_t* cr, const std::string& s, double size,
                                   double max_width);

// The same, turned a quarter anticlockwise (reading upwards), centred on (x, y).
void draw_vertical_text(cairo_t* cr, double x, double y, const std::string& s, double size);

}  // namespace savant
