#include "savant/figures/figure_canvas.hpp"

#include <cairo-pdf.h>
#include <cairo-svg.h>
#include <png.h>

#include <cmath>
#include <csetjmp>
#include <cstdint>
#include <memory>
#include <string_view>
#include <vector>

#include <fmt/format.h>

#include "savant/core/error.hpp"

namespace savant {
namespace {

cairo_status_t append_bytes(void* closure, const unsigned char* data, unsigned int length) {
  static_cast<std::string*>(closure)->append(reinterpret_cast<const char*>(data), length);
  return CAIRO_STATUS_SUCCESS;
}

// libpng's settings for a figure: zlib level 2 and no row filter. On the run's largest figure
// (a unit gallery, 1488 x 1113 pixels) that encodes several times faster than cairo's writer
// (libpng's defaults: level 6 and an adaptive filter) and into a smaller file; the heat maps
// and samples grow by a few KiB (docs/PERFORMANCE.md).
constexpr int kPngLevel = 2;
constexpr int kPngFilter = PNG_FILTER_NONE;

void append_png_bytes(png_structp png, png_bytep data, png_size_t length) {
  auto* out = static_cast<std::string*>(png_get_io_ptr(png));
  bool appended = false;
  try {
    out->append(reinterpret_cast<const char*>(data), length);
    appended = true;
  } catch (...) {  // no exception through libpng's C frames
  }
  if (!appended) png_error(png, "out of memory");
}

[[noreturn]] void png_failed(png_structp png, png_const_charp message) {
  *static_cast<std::string*>(png_get_error_ptr(png)) = message;
  png_longjmp(png, 1);
}

void png_warned(png_structp, png_const_charp) {}

// Encodes `rows` (height rows of width x 3 bytes, RGB) into `out`; the image's resolution, a
// pHYs chunk in pixels a metre, when `per_metre` is not zero (a print figure, so that it opens at
// its printed size). Returns libpng's message, empty on success. Nothing here owns memory that
// a longjmp would skip.
std::string encode_png(std::string& out, const std::vector<png_bytep>& rows, std::uint32_t width,
                       std::uint32_t per_metre) {
  std::string error;
  png_structp png = png_create_write_struct(PNG_LIBPNG_VER_STRING, &error, png_failed, png_warned);
  if (png == nullptr) return "out of memory";
  png_infop info = png_create_info_struct(png);
  if (info == nullptr) {
    png_destroy_write_struct(&png, nullptr);
    return "out of memory";
  }
  if (setjmp(png_jmpbuf(png)) != 0) {
    png_destroy_write_struct(&png, &info);
    return error.empty() ? "libpng failed" : error;
  }
  png_set_write_fn(png, &out, append_png_bytes, nullptr);
  png_set_IHDR(png, info, width, static_cast<png_uint_32>(rows.size()), 8, PNG_COLOR_TYPE_RGB,
               PNG_INTERLACE_NONE, PNG_COMPRESSION_TYPE_DEFAULT, PNG_FILTER_TYPE_DEFAULT);
  if (per_metre != 0) png_set_pHYs(png, info, per_metre, per_metre, PNG_RESOLUTION_METER);
  png_set_compression_level(png, kPngLevel);
  png_set_filter(png, PNG_FILTER_TYPE_BASE, kPngFilter);
  png_write_info(png, info);
  png_write_image(png, const_cast<png_bytepp>(rows.data()));
  png_write_end(png, info);
  png_destroy_write_struct(&png, &info);
  return {};
}

// The PNG of an RGB24 image surface (each pixel 32 bits, x-R-G-B from the most significant).
std::string png_of(cairo_surface_t* surface, double pixels_per_point) {
  const int width = cairo_image_surface_get_width(surface);
  const int height = cairo_image_surface_get_height(surface);
  const int stride = cairo_image_surface_get_stride(surface);
  const unsigned char* data = cairo_image_surface_get_data(surface);
  std::vector<std::uint8_t> rgb(static_cast<std::size_t>(width) * 3 *
                                static_cast<std::size_t>(height));
  std::vector<png_bytep> rows(static_cast<std::size_t>(height));
  for (int y = 0; y < height; ++y) {
    const auto* in =
        reinterpret_cast<const std::uint32_t*>(data + static_cast<std::ptrdiff_t>(y) * stride);
    std::uint8_t* row = rgb.data() + static_cast<std::size_t>(y) * width * 3;
    for (int x = 0; x < width; ++x) {
      row[3 * x] = static_cast<std::uint8_t>(in[x] >> 16);
      row[3 * x + 1] = static_cast<std::uint8_t>(in[x] >> 8);
      row[3 * x + 2] = static_cast<std::uint8_t>(in[x]);
    }
    rows[static_cast<std::size_t>(y)] = row;
  }
  const std::uint32_t per_metre =
      pixels_per_point == 1
          ? 0
          : static_cast<std::uint32_t>(std::lround(pixels_per_point * kPointsPerInch / 0.0254));
  std::string out;
  const std::string error = encode_png(out, rows, static_cast<std::uint32_t>(width), per_metre);
  if (!error.empty()) throw Error(fmt::format("cannot encode PNG image: {}", error));
  return out;
}

// Adds image-rendering to every <image> element of an SVG document: optimizeSpeed (SVG 1.1,
// Inkscape and older viewers) overridden by pixelated (CSS, the browsers) where it is known.
void mark_images_pixelated(std::string& svg) {
  static constexpr std::string_view kImage = "<image ";
  static constexpr std::string_view kStyle =
      "<image style=\"image-rendering:optimizeSpeed;image-rendering:pixelated\" ";
  std::string out;
  out.reserve(svg.size());
  std::size_t from = 0;
  for (std::size_t at; (at = svg.find(kImage, from)) != std::string::npos;
       from = at + kImage.size()) {
    out.append(svg, from, at - from);
    out += kStyle;
  }
  out.append(svg, from, std::string::npos);
  svg = std::move(out);
}

}  // namespace

FigureCanvas::FigureCanvas(FigureFormat format, double width, double height,
                           double pixels_per_point)
    : format_(format), pixels_per_point_(pixels_per_point) {
  switch (format) {
    case FigureFormat::kPng:
      surface_ = cairo_image_surface_create(
          CAIRO_FORMAT_RGB24, static_cast<int>(std::ceil(width * pixels_per_point - 1e-6)),
          static_cast<int>(std::ceil(height * pixels_per_point - 1e-6)));
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
  if (format == FigureFormat::kPng) cairo_scale(cr_, pixels_per_point, pixels_per_point);
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
    bytes_ = png_of(surface_, pixels_per_point_);
  } else {
    cairo_surface_finish(surface_);  // writes the rest of the file through append_bytes
    if (cairo_surface_status(surface_) != CAIRO_STATUS_SUCCESS) {
      throw Error(fmt::format("cannot write the {} figure", extension_of(format_)));
    }
    // cairo (1.16) writes no image-rendering into SVG, and viewers smooth an image scaled up:
    // each embedded image is a picture of cells (paint_cells), to be shown as squares.
    if (format_ == FigureFormat::kSvg) mark_images_pixelated(bytes_);
  }
  return std::move(bytes_);
}

TextRuler::TextRuler()
    : surface_(cairo_image_surface_create(CAIRO_FORMAT_RGB24, 1, 1)), cr_(cairo_create(surface_)) {}

TextRuler::~TextRuler() {
  cairo_destroy(cr_);
  cairo_surface_destroy(surface_);
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

double text_width(cairo_t* cr, const std::string& s, double size) {
  cairo_select_font_face(cr, "DejaVu Sans", CAIRO_FONT_SLANT_NORMAL, CAIRO_FONT_WEIGHT_NORMAL);
  cairo_set_font_size(cr, size);
  cairo_text_extents_t ext;
  cairo_text_extents(cr, s.c_str(), &ext);
  return ext.width;
}

std::vector<std::string> wrap_text(cairo_t* cr, const std::string& s, double size,
                                   double max_width) {
  std::vector<std::string> lines;
  std::string line;
  for (std::size_t begin = 0; begin < s.size();) {
    std::size_t end = s.find(' ', begin);
    if (end == std::string::npos) end = s.size();
    const std::string word = s.substr(begin, end - begin);
    begin = end + 1;
    if (word.empty()) continue;
    const std::string longer = line.empty() ? word : line + " " + word;
    if (line.empty() || text_width(cr, longer, size) <= max_width) {
      line = longer;
    } else {
      lines.push_back(line);
      line = word;
    }
  }
  if (!line.empty()) lines.push_back(line);
  return lines;
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

void paint_cells(cairo_t* cr, std::size_t rows, std::size_t cols, const CellColour& rgb, double x,
                 double y, double scale_x, double scale_y) {
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
