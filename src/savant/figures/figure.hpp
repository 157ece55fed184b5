#pragma once
// What every figure shares: the file format it is drawn to and the round numbers on its axes.

#include <string>
#include <string_view>
#include <vector>

namespace savant {

// PNG for the screen, SVG and PDF (vector) for a paper. cairo draws all three from the same
// drawing code (io/figure_canvas.hpp).
enum class FigureFormat { kPng, kSvg, kPdf };

// What a run writes when not told (--figures): PNG only.
inline constexpr FigureFormat kDefaultFigureFormats[] = {FigureFormat::kPng};

// The printed size a figure is laid out for (--figure-size). kScreen: the layout of a figure for
// the screen and the report, PNG at one pixel per point. kColumn and kPage: a figure for a
// paper, 3.3 in and 7 in wide (a column and a page of two-column text), its text 8 to 9 pt at
// that size (never under kSmallestPrintedText), PNG at kPrintDpi.
enum class FigureSize { kScreen, kColumn, kPage };

inline constexpr double kPointsPerInch = 72;
inline constexpr double kPrintDpi = 300;
inline constexpr double kSmallestPrintedText = 7;  // points

// "screen", "column", "page".
std::string_view name_of(FigureSize size);
// The size named; throws InvalidSetting("figure_size", name, ...) otherwise.
FigureSize figure_size_from(std::string_view name);

// What a figure's layout needs of its size: the width it must have (points; 0 for kScreen,
// whose figures keep their own width), the sizes of its text (points at the printed size) and
// the pixels a point is in PNG.
struct FigureType {
  double width = 0;
  double title = 15, label = 12, tick = 11, note = 9;
  double pixels_per_point = 1;
  // The most a figure of this size is tall (points; 0: no limit), the height of a page's text.
  double max_height = 0;
  bool print() const { return width > 0; }
};
FigureType figure_type(FigureSize size);

// "png", "svg", "pdf": the format's file extension, without the dot.
std::string_view extension_of(FigureFormat format);

// The format named by its extension; throws InvalidSetting("figures", name, ...) otherwise.
FigureFormat figure_format_from(std::string_view name);

// The formats of a comma-separated list ("png,svg,pdf": any non-empty subset, in any order), each
// once, in the order png, svg, pdf. Throws InvalidSetting("figures", list, ...) naming the
// value that is not a format, or when the list is empty.
std::vector<FigureFormat> figure_formats_from(std::string_view list);

// Ticks for an axis over [lo, hi]: every multiple of a round step (1, 2 or 5 times a power of
// ten) inside the interval, about `target` of them, at least two when lo < hi. Values are exact
// to the step's last digit (0.6, not 0.6000000000000001). lo == hi gives {lo}.
std::vector<double> nice_ticks(double lo, double hi, int target = 5);

// A tick's label with as many decimals as the step between ticks needs: 0.2 -> "0.2", 10 -> "10".
std::string tick_label(double value, double step);

}  // namespace savant
