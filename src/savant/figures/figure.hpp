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
