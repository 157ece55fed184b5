// png_compare: how fast and how small the compressors that could make a PNG's IDAT stream are on
// savant's own figures: zlib (what libpng uses) and libdeflate (what figures/figure_canvas.cpp
// uses), at several levels, on the rows unfiltered (filter byte 0) as savant writes them, and with
// the Sub and Up filters. Not a test, a tool for docs/PERFORMANCE.md.
//
//   png_compare [--repeats N] FIGURE.png...     (e.g. a run's units_original_model.png)
//
// Prints, per figure, filter and compressor, the median milliseconds of one compression and the
// stream's bytes. The figures are decoded by cairo.

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <memory>
#include <string>
#include <vector>

#include <cairo.h>
#include <libdeflate.h>
#include <zlib.h>

#include <CLI/CLI.hpp>

namespace {

using Clock = std::chrono::steady_clock;

// The figure's rows as savant filters them: a filter byte, then R, G, B per pixel; `filter` 0
// (none), 1 (Sub) or 2 (Up), PNG specification section 9.
std::vector<std::uint8_t> filtered_rows(cairo_surface_t* surface, int filter) {
  const int width = cairo_image_surface_get_width(surface);
  const int height = cairo_image_surface_get_height(surface);
  const int stride = cairo_image_surface_get_stride(surface);
  const unsigned char* data = cairo_image_surface_get_data(surface);
  const std::size_t row_bytes = static_cast<std::size_t>(width) * 3;
  std::vector<std::uint8_t> rgb(row_bytes * static_cast<std::size_t>(height));
  for (int y = 0; y < height; ++y) {
    const auto* in =
        reinterpret_cast<const std::uint32_t*>(data + static_cast<std::ptrdiff_t>(y) * stride);
    for (int x = 0; x < width; ++x) {
      std::uint8_t* px =
          rgb.data() + static_cast<std::size_t>(y) * row_bytes + 3 * static_cast<std::size_t>(x);
      px[0] = static_cast<std::uint8_t>(in[x] >> 16);
      px[1] = static_cast<std::uint8_t>(in[x] >> 8);
      px[2] = static_cast<std::uint8_t>(in[x]);
    }
  }
  std::vector<std::uint8_t> out((row_bytes + 1) * static_cast<std::size_t>(height));
  for (std::size_t y = 0; y < static_cast<std::size_t>(height); ++y) {
    const std::uint8_t* row = rgb.data() + y * row_bytes;
    const std::uint8_t* up = y > 0 ? row - row_bytes : nullptr;
    std::uint8_t* o = out.data() + y * (row_bytes + 1);
    o[0] = static_cast<std::uint8_t>(filter);
    for (std::size_t x = 0; x < row_bytes; ++x) {
      const std::uint8_t left = x >= 3 ? row[x - 3] : 0, above = up != nullptr ? up[x] : 0;
      const std::uint8_t minus = filter == 1 ? left : filter == 2 ? above : 0;
      o[1 + x] = static_cast<std::uint8_t>(row[x] - minus);
    }
  }
  return out;
}

template <typename Fn>
double median_ms(int repeats, Fn&& fn) {
  std::vector<double> ms;
  for (int r = 0; r < repeats; ++r) {
    const auto start = Clock::now();
    fn();
    ms.push_back(std::chrono::duration<double, std::milli>(Clock::now() - start).count());
  }
  std::sort(ms.begin(), ms.end());
  return ms[ms.size() / 2];
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"zlib and libdeflate on the IDAT data of PNG figures"};
  int repeats = 7;
  std::vector<std::string> figures;
  app.add_option("--repeats", repeats, "compressions of each kind, the median is printed")
      ->check(CLI::PositiveNumber);
  app.add_option("figures", figures, "PNG files (a run's figures)")->required();
  CLI11_PARSE(app, argc, argv);

  for (const std::string& path : figures) {
    cairo_surface_t* surface = cairo_image_surface_create_from_png(path.c_str());
    if (cairo_surface_status(surface) != CAIRO_STATUS_SUCCESS) {
      std::fprintf(stderr, "png_compare: %s: cannot read it as a PNG\n", path.c_str());
      cairo_surface_destroy(surface);
      return 1;
    }
    std::printf("%s (%d x %d)\n", path.c_str(), cairo_image_surface_get_width(surface),
                cairo_image_surface_get_height(surface));
    for (int filter : {0, 1, 2}) {
      const std::vector<std::uint8_t> rows = filtered_rows(surface, filter);
      const char* name = filter == 0 ? "none" : filter == 1 ? "Sub" : "Up";
      for (int level : {1, 2, 3}) {
        std::vector<std::uint8_t> out(compressBound(static_cast<uLong>(rows.size())));
        uLongf size = 0;
        const double ms = median_ms(repeats, [&] {
          size = static_cast<uLongf>(out.size());
          compress2(out.data(), &size, rows.data(), static_cast<uLong>(rows.size()), level);
        });
        std::printf("  filter %-4s zlib       level %d: %8.2f ms %9lu bytes\n", name, level, ms,
                    static_cast<unsigned long>(size));
      }
      for (int level : {1, 2, 4, 6}) {
        libdeflate_compressor* c = libdeflate_alloc_compressor(level);
        std::vector<std::uint8_t> out(libdeflate_zlib_compress_bound(c, rows.size()));
        std::size_t size = 0;
        const double ms = median_ms(repeats, [&] {
          size = libdeflate_zlib_compress(c, rows.data(), rows.size(), out.data(), out.size());
        });
        libdeflate_free_compressor(c);
        std::printf("  filter %-4s libdeflate level %d: %8.2f ms %9zu bytes\n", name, level, ms,
                    size);
      }
    }
    cairo_surface_destroy(surface);
  }
  return 0;
}
