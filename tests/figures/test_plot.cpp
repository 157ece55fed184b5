// The figures of io/plot, io/line_chart and io/figure: each format's file signature, round tick
// values, the viridis table against matplotlib, and what a heat map and the samples show.

#include <cairo.h>
#include <gtest/gtest.h>

#include <cmath>
#include <limits>
#include <memory>
#include <string>
#include <vector>

#include "savant/core/error.hpp"
#include "savant/figures/figure.hpp"
#include "savant/figures/line_chart.hpp"
#include "savant/figures/plot.hpp"

namespace savant {
namespace {

using Rgb = std::array<std::uint8_t, 3>;

bool starts_with(const std::string& bytes, const std::string& prefix) {
  return bytes.compare(0, prefix.size(), prefix) == 0;
}

// What a file of each format begins with; `cells`: the figure paints cells (a raster).
void expect_format(const std::string& bytes, FigureFormat format, bool cells = true) {
  switch (format) {
    case FigureFormat::kPng:
      EXPECT_TRUE(starts_with(bytes, "\x89PNG\r\n\x1a\n")) << bytes.substr(0, 16);
      break;
    case FigureFormat::kSvg:
      EXPECT_TRUE(starts_with(bytes, "<?xml") || starts_with(bytes, "<svg")) << bytes.substr(0, 16);
      EXPECT_NE(bytes.find("</svg>"), std::string::npos);
      // Cells as one embedded image, marked so that viewers do not smooth it into a blur.
      if (cells) {
        EXPECT_NE(
            bytes.find("<image style=\"image-rendering:optimizeSpeed;image-rendering:pixelated\""),
            std::string::npos);
      }
      break;
    case FigureFormat::kPdf:
      EXPECT_TRUE(starts_with(bytes, "%PDF-")) << bytes.substr(0, 16);
      EXPECT_NE(bytes.find("%%EOF"), std::string::npos);
      break;
  }
}

// A decoded PNG, to read back pixels.
struct Picture {
  std::unique_ptr<cairo_surface_t, decltype(&cairo_surface_destroy)> surface{nullptr,
                                                                             cairo_surface_destroy};
  Rgb at(int x, int y) const {
    cairo_surface_flush(surface.get());
    const unsigned char* data = cairo_image_surface_get_data(surface.get());
    const int stride = cairo_image_surface_get_stride(surface.get());
    const auto pixel = *reinterpret_cast<const std::uint32_t*>(data + y * stride + 4 * x);
    return {static_cast<std::uint8_t>(pixel >> 16), static_cast<std::uint8_t>(pixel >> 8),
            static_cast<std::uint8_t>(pixel)};
  }
  int width() const { return cairo_image_surface_get_width(surface.get()); }
};

Picture decode_png(const std::string& bytes) {
  struct Reader {
    const std::string* bytes;
    std::size_t at = 0;
  } reader{&bytes};
  Picture picture;
  picture.surface.reset(cairo_image_surface_create_from_png_stream(
      [](void* closure, unsigned char* data, unsigned int length) {
        auto* r = static_cast<Reader*>(closure);
        if (r->at + length > r->bytes->size()) return CAIRO_STATUS_READ_ERROR;
        std::copy_n(r->bytes->data() + r->at, length, data);
        r->at += length;
        return CAIRO_STATUS_SUCCESS;
      },
      &reader));
  EXPECT_EQ(cairo_surface_status(picture.surface.get()), CAIRO_STATUS_SUCCESS);
  return picture;
}

// Whether v is k * step for a step of 1, 2 or 5 times a power of ten.
bool is_round_multiple(double v, double step) {
  const double mantissa = step / std::pow(10.0, std::floor(std::log10(step) + 1e-9));
  const bool round_step = std::abs(mantissa - 1) < 1e-9 || std::abs(mantissa - 2) < 1e-9 ||
                          std::abs(mantissa - 5) < 1e-9;
  return round_step && std::abs(v / step - std::round(v / step)) < 1e-9;
}

TEST(NiceTicks, RoundStepsInsideTheInterval) {
  EXPECT_EQ(nice_ticks(0.05, 0.93), (std::vector<double>{0.2, 0.4, 0.6, 0.8}));
  EXPECT_EQ(nice_ticks(0, 27), (std::vector<double>{0, 5, 10, 15, 20, 25}));
  EXPECT_EQ(nice_ticks(-0.13, 0.41), (std::vector<double>{-0.1, 0, 0.1, 0.2, 0.3, 0.4}));
  EXPECT_EQ(nice_ticks(0, 100), (std::vector<double>{0, 20, 40, 60, 80, 100}));
  EXPECT_EQ(nice_ticks(0.5, 0.5), (std::vector<double>{0.5}));
  for (const auto& [lo, hi] : {std::pair{0.0123, 0.0987}, std::pair{-3.7, 912.0},
                               std::pair{0.999, 1.001}, std::pair{0.05, 0.06}}) {
    const std::vector<double> ticks = nice_ticks(lo, hi);
    ASSERT_GE(ticks.size(), 2u) << lo << " " << hi;
    EXPECT_LE(ticks.size(), 11u);
    const double step = ticks[1] - ticks[0];
    for (double t : ticks) {
      EXPECT_GE(t, lo - 1e-12);
      EXPECT_LE(t, hi + 1e-12);
      EXPECT_TRUE(is_round_multiple(t, step)) << t << " step " << step;
    }
  }
}

TEST(NiceTicks, LabelsHaveTheStepsDigits) {
  EXPECT_EQ(tick_label(0.6000000000000001, 0.2), "0.6");
  EXPECT_EQ(tick_label(25, 5), "25");
  EXPECT_EQ(tick_label(0.05, 0.05), "0.05");
  EXPECT_EQ(tick_label(-0.1, 0.1), "-0.1");
}

TEST(Viridis, MatchesMatplotlibsTable) {
  // matplotlib.colors.to_hex(matplotlib.cm.viridis(t)) for t = 0, 0.25, 0.5, 1.
  EXPECT_EQ(viridis(0), (Rgb{0x44, 0x01, 0x54}));
  EXPECT_EQ(viridis(0.25), (Rgb{0x3b, 0x52, 0x8b}));
  EXPECT_EQ(viridis(0.5), (Rgb{0x21, 0x91, 0x8c}));
  EXPECT_EQ(viridis(1), (Rgb{0xfd, 0xe7, 0x25}));
  EXPECT_EQ(viridis(2), viridis(1));
  EXPECT_EQ(viridis(-1), viridis(0));
}

TEST(FigureFormat, NamesAndExtensions) {
  for (FigureFormat f : {FigureFormat::kPng, FigureFormat::kSvg, FigureFormat::kPdf}) {
    EXPECT_EQ(figure_format_from(extension_of(f)), f);
  }
  EXPECT_THROW(figure_format_from("jpeg"), InvalidSetting);
}

constexpr std::size_t kRows = 8, kCols = 8;

std::vector<double> ramp_with_nan_corner() {
  std::vector<double> values(kRows * kCols);
  for (std::size_t i = 0; i < values.size(); ++i) values[i] = static_cast<double>(i) / 64;
  values.back() = std::numeric_limits<double>::quiet_NaN();
  return values;
}

TEST(Figures, EveryFormatHasItsSignature) {
  const std::vector<double> values = ramp_with_nan_corner();
  std::vector<std::uint8_t> image(kRows * kCols, 200);
  const std::vector<SampleRow> samples = {{image, image, "Shirt"}, {image, image, "Bag"}};
  const std::vector<ChartSeries> series = {
      {"a", {0, 114, 178}, false, {{2, 0.8, 0.7, 0.9}, {4, 0.6, 0.5, 0.7}}}};
  for (FigureFormat f : {FigureFormat::kPng, FigureFormat::kSvg, FigureFormat::kPdf}) {
    SCOPED_TRACE(std::string(extension_of(f)));
    HeatmapStyle style;
    style.title = "map";
    style.scale = colour_scale_of({values});
    style.grid = 2;
    expect_format(heatmap_figure(values, kRows, kCols, style, f), f);
    expect_format(samples_figure(samples, kRows, kCols, 2, f), f);
    expect_format(line_chart_figure("chart\nsubtitle", "x", "y", series, 0, 1, f), f, false);
  }
}

TEST(Figures, HeatmapColoursNanGreyAndDrawsTheGridOnRequest) {
  const std::vector<double> values = ramp_with_nan_corner();
  HeatmapStyle style;
  style.title = "map";
  style.scale = colour_scale_of({values});
  style.cell = 10;
  const Picture plain = decode_png(heatmap_figure(values, kRows, kCols, style, FigureFormat::kPng));
  // The map's top-left corner is at (58, 40) (plot.cpp's margins); cell (r, c) spans 10 x 10.
  const auto centre = [](std::size_t r, std::size_t c) {
    return std::pair{58 + 10 * static_cast<int>(c) + 5, 40 + 10 * static_cast<int>(r) + 5};
  };
  const auto [x0, y0] = centre(0, 0);
  EXPECT_EQ(plain.at(x0, y0), viridis(0));
  const auto [xn, yn] = centre(kRows - 1, kCols - 1);
  EXPECT_EQ(plain.at(xn, yn), kNoValueGrey);
  // The border between blocks of a 2 x 2 grid runs at column 4: only drawn when asked.
  const int border_x = 58 + 40;
  const int ym = centre(1, 3).second;
  EXPECT_EQ(plain.at(border_x, ym), plain.at(border_x + 2, ym));  // both in column 4
  style.grid = 2;
  const Picture grid = decode_png(heatmap_figure(values, kRows, kCols, style, FigureFormat::kPng));
  const auto brightness = [](Rgb c) { return c[0] + c[1] + c[2]; };
  EXPECT_GT(brightness(grid.at(border_x, ym)), brightness(plain.at(border_x, ym)) + 200)
      << "no light block border at x = " << border_x;
}

TEST(Figures, SamplesAreFramedAndShowBlockBorders) {
  std::vector<std::uint8_t> blank(kRows * kCols, 0);  // a blank image: white once drawn
  const std::vector<SampleRow> samples = {{blank, blank, "T-shirt/top"}};
  const Picture with_grid =
      decode_png(samples_figure(samples, kRows, kCols, 2, FigureFormat::kPng, 10));
  const Picture without =
      decode_png(samples_figure(samples, kRows, kCols, 1, FigureFormat::kPng, 10));
  // The first image's top-left corner is at (12 + 70, 12 + 20) (plot.cpp's margins).
  const int x = 82, y = 32;
  EXPECT_EQ(without.at(x + 15, y + 15), (Rgb{255, 255, 255}));
  const Rgb frame = without.at(x - 1, y + 15);
  EXPECT_LT(frame[0], 200) << "no frame left of the image";
  const Rgb border = with_grid.at(x + 40, y + 15);  // column 4 of 8: the 2 x 2 border
  EXPECT_LT(border[0], 255) << "no block border in the blank image";
  EXPECT_EQ(without.at(x + 40, y + 15), (Rgb{255, 255, 255}));
}

}  // namespace
// A model's first layer (experiment/first_layer.hpp): each picture on its own scale, so a
// picture of positive weights is all red, one of negative weights all blue, a zero one white, in
// the layer's order from the left; a print size has its width; a wrong count is an error.
TEST(Figures, FirstLayerPicturesEachOnTheirOwnScale) {
  std::vector<float> values;
  for (float w : {0.25f, -3.0f, 0.0f}) values.insert(values.end(), 9, w);
  const Picture picture = decode_png(
      first_layer_figure(values, 3, 3, 3, "a layer", FigureFormat::kPng, FigureSize::kScreen));
  const auto red = diverging(1.0), blue = diverging(0.0);
  std::size_t reds = 0, blues = 0;
  double red_x = 0, blue_x = 0;
  const int height = cairo_image_surface_get_height(picture.surface.get());
  for (int y = 0; y < height; ++y) {
    for (int x = 0; x < picture.width(); ++x) {
      const auto rgb = picture.at(x, y);
      if (rgb == red) ++reds, red_x += x;
      if (rgb == blue) ++blues, blue_x += x;
    }
  }
  // A picture of 3 x 3 weights is 48 x 48 pixels on the screen, its frame drawn over its edge.
  EXPECT_GT(reds, 40u * 40u);
  EXPECT_LE(reds, 48u * 48u);
  EXPECT_GT(blues, 40u * 40u);
  EXPECT_LE(blues, 48u * 48u);
  EXPECT_LT(red_x / static_cast<double>(reds), blue_x / static_cast<double>(blues));

  const Picture column = decode_png(
      first_layer_figure(values, 3, 3, 3, "a layer", FigureFormat::kPng, FigureSize::kColumn));
  EXPECT_EQ(column.width(), static_cast<int>(std::lround(3.3 * kPrintDpi)));
  EXPECT_THROW(first_layer_figure(values, 4, 3, 3, "a layer", FigureFormat::kPng), Error);
}

}  // namespace savant
