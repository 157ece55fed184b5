#include "savant/io/figure_canvas.hpp"

#include <cairo-pdf.h>
#include <cairo-svg.h>

#include <cmath>

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

}  // namespace savant
