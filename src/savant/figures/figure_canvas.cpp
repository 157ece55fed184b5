#include "savant/figures/figure_canvas.hpp"

#include <cairo-pdf.h>
#include <cairo-svg.h>

#include <cmath>
#include <memory>

#include <fmt/format.h>

#include "savant/core/error.hpp"

namespace savant {
namespace {

cairo_status_t append_bytes(void* closure, const unsigned char* data, unsigned int length) {
  static_cast<std::string*>(closure)->append(reinterpret_cast<const char*>(data), length);
  return CAIRO_STATUS_SUCCESS;
}

}  // namespace

FigureCanvas::FigureCanvas(FigureFormat format, int width, int height) : format_(format) {
  switch (format) {
    case FigureFormat::kPng:
      surface_ = cairo_image_surface_create(CAIRO_FORMAT_RGB24, width, height);
      break;
    case FigureFormat::kSvg:
      surface_ = cairo_svg_surface_create_for_stream(append_bytes, &bytes_, width, height);
      break;
    case FigureFormat::kPdf:
      surface_ = cairo_pdf_surface_create_for_stream(append_bytes, &bytes_, width, height);
      break;
  }
  cr_ = cairo_create(surface_);
  cairo_set_source_rgb(cr_, 1, 1, 1);
  cairo_paint(cr_);
}

FigureCanvas::~FigureCanvas() {
  cairo_destroy(cr_);
  cairo_surface_destroy(surface_);
}

std::string FigureCanvas::finish() {
  if (cairo_status(cr_) != CAIRO_STATUS_SUCCESS) {
    throw Error(fmt::format("cannot draw the {} figure: {}", extension_of(format_),
                            cairo_status_to_string(cairo_status(cr_))));
  }
  if (format_ == FigureFormat::kPng) {
    cairo_surface_flush(surface_);
    if (cairo_surface_write_to_png_stream(surface_, append_bytes, &bytes_) !=
        CAIRO_STATUS_SUCCESS) {
      throw Error("cannot encode PNG image");
    }
  } else {
    cairo_surface_finish(surface_);  // writes the rest of the file through append_bytes
    if (cairo_surface_status(surface_) != CAIRO_STATUS_SUCCESS) {
      throw Error(fmt::format("cannot write the {} figure", extension_of(format_)));
    }
  }
  return std::move(bytes_);
}

void set_rgb(cairo_t* cr, std::array<std::uint8_t, 3> rgb, double alpha) {
  cairo_set_source_rgba(cr, rgb[0] / 255.0, rgb[1] / 255.0, rgb[2] / 255.0, alpha);
}

void draw_text(cairo_t* cr, double x, double y, const std::string& s, double size, double align) {
  cairo_select_font_face(cr, "DejaVu Sans", CAIRO_FONT_SLANT_NORMAL, CAIRO_FONT_WEIGHT_NORMAL);
  cairo_set_font_size(cr, size);
  cairo_text_extents_t ext;
  cairo_text_extents(cr, s.c_str(), &ext);
  cairo_move_to(cr, x - align * ext.width - ext.x_bearing, y);
  cairo_show_text(cr, s.c_str());
}

void draw_vertical_text(cairo_t* cr, double x, double y, const std::string& s, double size) {
  cairo_save(cr);
  cairo_translate(cr, x, y);
  cairo_rotate(cr, -M_PI / 2);
  draw_text(cr, 0, size * 0.35, s, size, 0.5);
  cairo_restore(cr);
}

namespace {

struct SurfaceDeleter {
  void operator()(cairo_surface_t* s) const { cairo_surface_destroy(s); }
};
using Surface = std::unique_ptr<cairo_surface_t, SurfaceDeleter>;

}  // namespace

void paint_cells(cairo_t* cr, FigureFormat format, std::size_t rows, std::size_t cols,
                 const CellColour& rgb, double x, double y, double scale_x, double scale_y) {
  if (format != FigureFormat::kPng) {
    for (std::size_t r = 0; r < rows; ++r) {
      for (std::size_t c = 0; c < cols;) {
        const auto colour = rgb(r, c);
        std::size_t end = c + 1;
        while (end < cols && rgb(r, end) == colour) ++end;
        const double over_x = end < cols ? 0.3 : 0, over_y = r + 1 < rows ? 0.3 : 0;
        set_rgb(cr, colour);
        cairo_rectangle(cr, x + static_cast<double>(c) * scale_x,
                        y + static_cast<double>(r) * scale_y,
                        static_cast<double>(end - c) * scale_x + over_x, scale_y + over_y);
        cairo_fill(cr);
        c = end;
      }
    }
    return;
  }
  Surface img(cairo_image_surface_create(CAIRO_FORMAT_RGB24, static_cast<int>(cols),
                                         static_cast<int>(rows)));
  cairo_surface_flush(img.get());
  unsigned char* data = cairo_image_surface_get_data(img.get());
  const int stride = cairo_image_surface_get_stride(img.get());
  for (std::size_t r = 0; r < rows; ++r) {
    auto* row = reinterpret_cast<std::uint32_t*>(data + static_cast<std::ptrdiff_t>(r) * stride);
    for (std::size_t c = 0; c < cols; ++c) {
      const auto [red, green, blue] = rgb(r, c);
      row[c] = (std::uint32_t{red} << 16) | (std::uint32_t{green} << 8) | blue;
    }
  }
  cairo_surface_mark_dirty(img.get());
  cairo_save(cr);
  cairo_translate(cr, x, y);
  cairo_scale(cr, scale_x, scale_y);
  cairo_set_source_surface(cr, img.get(), 0, 0);
  cairo_pattern_set_filter(cairo_get_source(cr), CAIRO_FILTER_NEAREST);
  cairo_paint(cr);
  cairo_restore(cr);
}

}  // namespace savant
