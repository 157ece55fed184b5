#pragma once
// What the PNG pictures of io/ share: cairo surfaces and contexts that free themselves, PNG
// encoding into bytes, colours and text. Internal to io/ (cairo is a private dependency).

#include <cairo.h>

#include <array>
#include <cstdint>
#include <memory>
#include <string>

#include "savant/core/error.hpp"

namespace savant::canvas {

struct SurfaceDeleter {
  void operator()(cairo_surface_t* s) const { cairo_surface_destroy(s); }
};
struct ContextDeleter {
  void operator()(cairo_t* c) const { cairo_destroy(c); }
};
using Surface = std::unique_ptr<cairo_surface_t, SurfaceDeleter>;
using Context = std::unique_ptr<cairo_t, ContextDeleter>;

inline cairo_status_t append_bytes(void* closure, const unsigned char* data, unsigned int length) {
  static_cast<std::string*>(closure)->append(reinterpret_cast<const char*>(data), length);
  return CAIRO_STATUS_SUCCESS;
}

inline std::string to_png(cairo_surface_t* surface) {
  std::string bytes;
  cairo_surface_flush(surface);
  if (cairo_surface_write_to_png_stream(surface, append_bytes, &bytes) != CAIRO_STATUS_SUCCESS) {
    throw Error("cannot encode PNG image");
  }
  return bytes;
}

inline void set_rgb(cairo_t* cr, std::array<std::uint8_t, 3> rgb, double alpha = 1) {
  cairo_set_source_rgba(cr, rgb[0] / 255.0, rgb[1] / 255.0, rgb[2] / 255.0, alpha);
}

// Text with its left edge (align 0), centre (0.5) or right edge (1) at x, baseline at y.
inline void text(cairo_t* cr, double x, double y, const std::string& s, double size,
                 double align = 0) {
  cairo_select_font_face(cr, "DejaVu Sans", CAIRO_FONT_SLANT_NORMAL, CAIRO_FONT_WEIGHT_NORMAL);
  cairo_set_font_size(cr, size);
  cairo_text_extents_t ext;
  cairo_text_extents(cr, s.c_str(), &ext);
  cairo_move_to(cr, x - align * ext.width - ext.x_bearing, y);
  cairo_show_text(cr, s.c_str());
}

}  // namespace savant::canvas
