// Figures for a paper (--figure-size): a column figure is 3.3 in wide and a page figure 7 in, in
// every format, with no text under 7 pt at that printed size, read back from the PDF's text
// matrices; the screen size is what it was. And raster figures stay small in SVG: their cells
// are one embedded image, not a rectangle each.

#include <gtest/gtest.h>
#include <zlib.h>

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <functional>
#include <regex>
#include <string>
#include <vector>

#include "savant/core/error.hpp"
#include "savant/figures/figure.hpp"
#include "savant/figures/line_chart.hpp"
#include "savant/figures/plot.hpp"
#include "savant/figures/unit_gallery.hpp"

namespace savant {
namespace {

// The bytes of a zlib stream; empty when they are not one.
std::string inflate_stream(const std::string& deflated) {
  z_stream z{};
  if (inflateInit(&z) != Z_OK) return {};
  z.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(deflated.data()));
  z.avail_in = static_cast<uInt>(deflated.size());
  std::string out;
  char buffer[65536];
  int status = Z_OK;
  while (status == Z_OK) {
    z.next_out = reinterpret_cast<Bytef*>(buffer);
    z.avail_out = sizeof buffer;
    status = inflate(&z, Z_NO_FLUSH);
    out.append(buffer, sizeof buffer - z.avail_out);
  }
  inflateEnd(&z);
  return status == Z_STREAM_END ? out : std::string();
}

struct PdfPage {
  double width = 0, height = 0;
  std::vector<double> text_sizes;  // every text matrix's scale, in points
};

// The page size (MediaBox) and the size of every run of text of a PDF cairo wrote: cairo selects
// each font at 1 (`/f-0-0 1 Tf`) and scales it with the text matrix `a b c d x y Tm`, whose
// (a, b) is the size along the baseline, turned or not.
PdfPage read_pdf(const std::string& pdf) {
  PdfPage page;
  std::smatch m;
  const std::regex media(R"(MediaBox \[ *0 +0 +([0-9.]+) +([0-9.]+) *\])");
  EXPECT_TRUE(std::regex_search(pdf, m, media)) << "no MediaBox";
  if (m.size() == 3) page.width = std::stod(m[1]), page.height = std::stod(m[2]);
  const std::regex tm(R"(([-0-9.e]+) ([-0-9.e]+) [-0-9.e]+ [-0-9.e]+ [-0-9.e]+ [-0-9.e]+ Tm)");
  const std::regex tf(R"(/f-[0-9]+-[0-9]+ ([-0-9.]+) Tf)");
  for (std::size_t at = 0; (at = pdf.find("stream", at)) != std::string::npos;) {
    std::size_t begin = at + 6;
    if (pdf.compare(begin, 2, "\r\n") == 0)
      begin += 2;
    else if (pdf[begin] == '\n')
      begin += 1;
    const std::size_t end = pdf.find("endstream", begin);
    if (end == std::string::npos) break;
    const std::string text = inflate_stream(pdf.substr(begin, end - begin));
    at = end + 9;
    for (auto it = std::sregex_iterator(text.begin(), text.end(), tf); it != std::sregex_iterator();
         ++it) {
      EXPECT_EQ(std::stod((*it)[1]), 1.0) << "a font not selected at 1: sizes are not in Tm";
    }
    for (auto it = std::sregex_iterator(text.begin(), text.end(), tm); it != std::sregex_iterator();
         ++it) {
      page.text_sizes.push_back(std::hypot(std::stod((*it)[1]), std::stod((*it)[2])));
    }
  }
  return page;
}

struct Png {
  int width = 0, height = 0;
};

// A PNG's size, from its IHDR chunk.
Png png_size(const std::string& png) {
  const auto be32 = [&](std::size_t at) {
    return (static_cast<unsigned>(static_cast<unsigned char>(png[at])) << 24) |
           (static_cast<unsigned>(static_cast<unsigned char>(png[at + 1])) << 16) |
           (static_cast<unsigned>(static_cast<unsigned char>(png[at + 2])) << 8) |
           static_cast<unsigned>(static_cast<unsigned char>(png[at + 3]));
  };
  EXPECT_EQ(png.compare(12, 4, "IHDR"), 0);
  return {static_cast<int>(be32(16)), static_cast<int>(be32(20))};
}

constexpr std::size_t kSide = 28;

// Every figure a run or a sweep draws, at `size` in `format`.
struct Drawn {
  std::string name;
  std::function<std::string(FigureFormat, FigureSize)> draw;
};

std::vector<Drawn> every_figure() {
  static std::vector<double> map(kSide * kSide), kernel(kSide * kSide * 40);
  static std::vector<std::uint8_t> image(kSide * kSide);
  for (std::size_t i = 0; i < map.size(); ++i) map[i] = std::sin(static_cast<double>(i)) * 0.3;
  map[5] = std::nan("");  // a "no value" key
  for (std::size_t i = 0; i < kernel.size(); ++i) kernel[i] = std::cos(static_cast<double>(i));
  for (std::size_t i = 0; i < image.size(); ++i) image[i] = static_cast<std::uint8_t>(i * 7);
  return {
      {"heat map",
       [](FigureFormat f, FigureSize s) {
         HeatmapStyle style;
         style.title = "shuffled model: adjacent-pixel weight correlation";
         style.scale = colour_scale_of({map});
         style.grid = 4;
         return heatmap_figure(map, kSide, kSide, style, f, s);
       }},
      {"samples",
       [](FigureFormat f, FigureSize s) {
         std::vector<SampleRow> samples(8, SampleRow{image, image, "Ankle boot"});
         return samples_figure(samples, kSide, kSide, 4, f, 4, s);
       }},
      {"unit gallery",
       [](FigureFormat f, FigureSize s) {
         return unit_gallery_figure(kernel, kSide, kSide, 40, 4,
                                    "original model: hidden units' receptive fields (g = 4)", f, 3,
                                    16, s);
       }},
      {"line chart",
       [](FigureFormat f, FigureSize s) {
         const std::vector<ChartSeries> series = {
             {"original model, original test",
              {0, 114, 178},
              false,
              {{2, 0.8, 0.7, 0.9}, {4, 0.6, 0.5, 0.7}, {28, 0.5, 0.4, 0.6}}},
             {"shuffled model, original test",
              {230, 159, 0},
              true,
              {{2, 0.3, 0.2, 0.4}, {4, 0.2, 0.1, 0.3}, {28, 0.1, 0.0, 0.2}}}};
         return line_chart_figure(
             "Test accuracy against grid size\n2 seeds, 5 epochs, 512x1, all training images",
             "grid size g (image cut into g x g blocks, log scale)", "test accuracy", series, 0, 1,
             f, s);
       }},
  };
}

TEST(FigureSize, NamesAndWidths) {
  for (FigureSize s : {FigureSize::kScreen, FigureSize::kColumn, FigureSize::kPage}) {
    EXPECT_EQ(figure_size_from(name_of(s)), s);
  }
  EXPECT_THROW(figure_size_from("a4"), InvalidSetting);
  EXPECT_DOUBLE_EQ(figure_type(FigureSize::kColumn).width, 237.6);
  EXPECT_DOUBLE_EQ(figure_type(FigureSize::kPage).width, 504);
  EXPECT_FALSE(figure_type(FigureSize::kScreen).print());
}

TEST(FigureSize, PrintFiguresHaveTheirWidthAndLegibleText) {
  for (const Drawn& figure : every_figure()) {
    for (FigureSize size : {FigureSize::kColumn, FigureSize::kPage}) {
      SCOPED_TRACE(figure.name + " at " + std::string(name_of(size)));
      const double width = figure_type(size).width;
      const PdfPage pdf = read_pdf(figure.draw(FigureFormat::kPdf, size));
      EXPECT_NEAR(pdf.width, width, 0.01);
      EXPECT_GT(pdf.height, 0);
      EXPECT_LE(pdf.height, 9 * 72 + 0.01);  // the text height of a page
      ASSERT_FALSE(pdf.text_sizes.empty());
      const auto [smallest, largest] =
          std::minmax_element(pdf.text_sizes.begin(), pdf.text_sizes.end());
      EXPECT_GE(*smallest, kSmallestPrintedText - 1e-6);
      EXPECT_LE(*largest, 9 + 1e-6);
      const std::string svg = figure.draw(FigureFormat::kSvg, size);
      EXPECT_NE(svg.find(fmt::format("width=\"{}pt\"", width)), std::string::npos)
          << svg.substr(0, 300);
      // PNG at 300 dpi, and says so (pHYs: 11811 pixels a metre, after IHDR).
      const std::string png_bytes = figure.draw(FigureFormat::kPng, size);
      const Png png = png_size(png_bytes);
      EXPECT_EQ(png_bytes.substr(33, 17),
                std::string("\0\0\0\x09pHYs\0\0\x2e\x23\0\0\x2e\x23\x01", 17));
      EXPECT_EQ(png.width, static_cast<int>(std::ceil(width * kPrintDpi / 72 - 1e-6)));
      EXPECT_NEAR(png.height, pdf.height * kPrintDpi / 72, 1);
    }
  }
}

TEST(FigureSize, ScreenFiguresKeepTheirSize) {
  const std::vector<Drawn> figures = every_figure();
  // 28 x 28 cells of 16 px and the margins, as before there were print sizes.
  const Png heatmap = png_size(figures[0].draw(FigureFormat::kPng, FigureSize::kScreen));
  EXPECT_EQ(heatmap.width, 628);
  EXPECT_EQ(heatmap.height, 534);
  const Png chart = png_size(figures[3].draw(FigureFormat::kPng, FigureSize::kScreen));
  EXPECT_EQ(chart.width, 760);
  EXPECT_EQ(chart.height, 470);
  // The text of the screen's heat map is what it was: 15 pt title, 12 pt labels, 11 pt ticks.
  const PdfPage pdf = read_pdf(figures[0].draw(FigureFormat::kPdf, FigureSize::kScreen));
  EXPECT_NEAR(pdf.width, 628, 0.01);
  EXPECT_NEAR(*std::min_element(pdf.text_sizes.begin(), pdf.text_sizes.end()), 11, 1e-6);
  EXPECT_NEAR(*std::max_element(pdf.text_sizes.begin(), pdf.text_sizes.end()), 15, 1e-6);
}

// A raster figure's SVG holds its cells as PNG images marked to be shown as squares: a 256-unit
// gallery was 19 MB of rectangles.
TEST(FigureSize, RasterCellsAreEmbeddedImagesInSvg) {
  std::vector<double> kernel(kSide * kSide * 256);
  for (std::size_t i = 0; i < kernel.size(); ++i) {
    kernel[i] = std::sin(static_cast<double>(i) * 0.37) + 0.1 * std::cos(static_cast<double>(i));
  }
  const std::string svg = unit_gallery_figure(kernel, kSide, kSide, 256, 4, "fields",
                                              FigureFormat::kSvg, 3, 16, FigureSize::kScreen);
  EXPECT_NE(svg.find("<image style=\"image-rendering:optimizeSpeed;image-rendering:pixelated\""),
            std::string::npos);
  const auto count = [&](const std::string& what) {
    std::size_t n = 0;
    for (std::size_t at = 0; (at = svg.find(what, at)) != std::string::npos; at += what.size()) ++n;
    return n;
  };
  EXPECT_EQ(count("<image "), count("<image style=\"image-rendering:optimizeSpeed;"));
  EXPECT_GE(count("<image "), 256u);
  EXPECT_LT(svg.size(), 2'000'000u) << "the gallery's SVG is " << svg.size() << " bytes";
  const std::string pdf = unit_gallery_figure(kernel, kSide, kSide, 256, 4, "fields",
                                              FigureFormat::kPdf, 3, 16, FigureSize::kScreen);
  EXPECT_NE(pdf.find("/Interpolate false"), std::string::npos);
  EXPECT_LT(pdf.size(), 2'000'000u) << "the gallery's PDF is " << pdf.size() << " bytes";
}

}  // namespace
}  // namespace savant
