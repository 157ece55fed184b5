#include "savant/figures/figure_canvas.hpp"

#include <cairo-pdf.h>
#include <cairo-svg.h>
#include <libdeflate.h>

#include <cmath>
#include <cstdint>
#include <memory>
#include <span>
#include <string>
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

// A PNG written here: the chunks IHDR, pHYs (a print figure's resolution), one IDAT and IEND
// (PNG specification, 3rd edition, section 11), the rows unfiltered and the IDAT's zlib stream
// made by libdeflate at level 2; libpng, which savant used before, can only compress with zlib.
// On a default run's figures (build/release/bench/png_compare, medians of 7, docs/PERFORMANCE.md)
// against zlib at level 2: a unit gallery (1488 x 1113) in 12.6 ms instead of 14.8 ms and 444 KB
// instead of 483 KB, the samples in 1.2 ms instead of 1.4 ms at the same size, a heat map in the
// same 1.6 ms but 50 KB instead of 30 KB. The Up filter would shrink the heat maps and samples
// but grow a gallery by a quarter.
constexpr int kPngLevel = 2;

void put_u32(std::string& out, std::uint32_t v) {
  for (int shift = 24; shift >= 0; shift -= 8) out += static_cast<char>((v >> shift) & 0xFF);
}

// A chunk: its length, type, data and the CRC-32 of type and data.
void put_chunk(std::string& out, std::string_view type, std::string_view data) {
  put_u32(out, static_cast<std::uint32_t>(data.size()));
  const std::size_t from = out.size();
  out += type;
  out += data;
  put_u32(out, libdeflate_crc32(0, out.data() + from, out.size() - from));
}

// Encodes `height` rows of `width` RGB pixels, each row a filter byte (0) and its 3 x width
// bytes in `filtered`, into `out`; the resolution in pixels a metre when `per_metre` is not zero
// (a print figure, so that it opens at its printed size).
void encode_png(std::string& out, std::span<const std::uint8_t> filtered, std::uint32_t width,
                std::uint32_t height, std::uint32_t per_metre) {
  struct Free {
    void operator()(libdeflate_compressor* c) const { libdeflate_free_compressor(c); }
  };
  const std::unique_ptr<libdeflate_compressor, Free> compressor(
      libdeflate_alloc_compressor(kPngLevel));
  if (!compressor) throw ResourceError("cannot encode PNG image: out of memory");
  std::string idat(libdeflate_zlib_compress_bound(compressor.get(), filtered.size()), '\0');
  const std::size_t size = libdeflate_zlib_compress(compressor.get(), filtered.data(),
                                                    filtered.size(), idat.data(), idat.size());
  if (size == 0) throw Error("cannot encode PNG image: the compressed image does not fit");
  idat.resize(size);
  out = "\x89PNG\r\n\x1a\n";
  std::string header;
  put_u32(header, width);
  put_u32(header, height);
  // 8 bits a sample, RGB, deflate, no filter, no interlace.
  header += std::string_view("\x08\x02\x00\x00\x00", 5);
  put_chunk(out, "IHDR", header);
  if (per_metre != 0) {
    std::string phys;
    put_u32(phys, per_metre);
    put_u32(phys, per_metre);
    phys += '\x01';  // the unit: the metre
    put_chunk(out, "pHYs", phys);
  }
  put_chunk(out, "IDAT", idat);
  put_chunk(out, "IEND", {});
}

// The PNG of an RGB24 image surface (each pixel 32 bits, x-R-G-B from the most significant).
std::string png_of(cairo_surface_t* surface, double pixels_per_point) {
  const int width = cairo_image_surface_get_width(surface);
  const int height = cairo_image_surface_get_height(surface);
  const int stride = cairo_image_surface_get_stride(surface);
  const unsigned char* data = cairo_image_surface_get_data(surface);
  // Each row: its filter byte (none) and its pixels' R, G, B.
  const std::size_t row_bytes = 1 + static_cast<std::size_t>(width) * 3;
  std::vector<std::uint8_t> filtered(row_bytes * static_cast<std::size_t>(height));
  for (int y = 0; y < height; ++y) {
    const auto* in =
        reinterpret_cast<const std::uint32_t*>(data + static_cast<std::ptrdiff_t>(y) * stride);
    std::uint8_t* row = filtered.data() + static_cast<std::size_t>(y) * row_bytes;
    row[0] = 0;
    for (int x = 0; x < width; ++x) {
      row[1 + 3 * x] = static_cast<std::uint8_t>(in[x] >> 16);
      row[1 + 3 * x + 1] = static_cast<std::uint8_t>(in[x] >> 8);
      row[1 + 3 * x + 2] = static_cast<std::uint8_t>(in[x]);
    }
  }
  const std::uint32_t per_metre =
      pixels_per_point == 1
          ? 0
          : static_cast<std::uint32_t>(std::lround(pixels_per_point * kPointsPerInch / 0.0254));
  std::string out;
  encode_png(out, filtered, static_cast<std::uint32_t>(width), static_cast<std::uint32_t>(height),
             per_metre);
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
