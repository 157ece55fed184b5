#include "savant/figures/figure.hpp"

#include <algorithm>
#include <array>
#include <cmath>

#include <fmt/format.h>

#include "savant/core/error.hpp"

namespace savant {
namespace {

int decimals_of(double step) {
  return std::max(0, static_cast<int>(-std::floor(std::log10(step) + 1e-9)));
}

}  // namespace

std::string_view extension_of(FigureFormat format) {
  switch (format) {
    case FigureFormat::kPng:
      return "png";
    case FigureFormat::kSvg:
      return "svg";
    case FigureFormat::kPdf:
      return "pdf";
  }
  return "png";
}

std::string_view name_of(FigureSize size) {
  switch (size) {
    case FigureSize::kScreen:
      return "screen";
    case FigureSize::kColumn:
      return "column";
    case FigureSize::kPage:
      return "page";
  }
  return "screen";
}

FigureSize figure_size_from(std::string_view name) {
  for (FigureSize s : {FigureSize::kScreen, FigureSize::kColumn, FigureSize::kPage}) {
    if (name == name_of(s)) return s;
  }
  throw InvalidSetting("figure_size", std::string(name),
                       "expected screen (the default), column (3.3 in wide) or page (7 in wide)");
}

FigureType figure_type(FigureSize size) {
  // Print sizes: 9 pt titles, 8.5 pt labels, 8 pt ticks, 7 pt notes (a paper's caption is
  // 8 to 9 pt); at most 9 in tall, the text height of a letter or A4 page.
  const auto print = [](double inches) {
    return FigureType{
        inches * kPointsPerInch, 9, 8.5, 8, kSmallestPrintedText, kPrintDpi / kPointsPerInch,
        9 * kPointsPerInch};
  };
  switch (size) {
    case FigureSize::kColumn:
      return print(3.3);
    case FigureSize::kPage:
      return print(7);
    case FigureSize::kScreen:
      break;
  }
  return {};
}

FigureFormat figure_format_from(std::string_view name) {
  for (FigureFormat f : {FigureFormat::kPng, FigureFormat::kSvg, FigureFormat::kPdf}) {
    if (name == extension_of(f)) return f;
  }
  throw InvalidSetting("figures", std::string(name), "expected png, svg or pdf");
}

std::vector<FigureFormat> figure_formats_from(std::string_view list) {
  std::array<bool, 3> chosen{};
  for (std::size_t begin = 0; begin <= list.size();) {
    const std::size_t comma = std::min(list.find(',', begin), list.size());
    const std::string_view name = list.substr(begin, comma - begin);
    if (name.empty()) {
      throw InvalidSetting("figures", fmt::format("'{}'", list),
                           "expected a comma-separated list of png, svg and pdf, e.g. png,pdf");
    }
    try {
      chosen[static_cast<std::size_t>(figure_format_from(name))] = true;
    } catch (const InvalidSetting&) {
      throw InvalidSetting(
          "figures", fmt::format("'{}'", list),
          fmt::format("'{}' is not a figure format; choose from png, svg and pdf", name));
    }
    begin = comma + 1;
  }
  std::vector<FigureFormat> formats;
  for (FigureFormat f : {FigureFormat::kPng, FigureFormat::kSvg, FigureFormat::kPdf}) {
    if (chosen[static_cast<std::size_t>(f)]) formats.push_back(f);
  }
  return formats;
}

std::vector<double> nice_ticks(double lo, double hi, int target) {
  if (!(lo < hi)) return std::isfinite(lo) ? std::vector<double>{lo} : std::vector<double>{};
  target = std::max(target, 2);
  for (; target <= 100; ++target) {
    // Heckbert's rounding (Graphics Gems, 1990, "Nice numbers for graph labels"): the 1-2-5
    // step nearest to dividing the interval into target - 1 parts.
    const double raw = (hi - lo) / (target - 1);
    const double power = std::pow(10.0, std::floor(std::log10(raw)));
    const double mantissa = raw / power;
    const double step = (mantissa < 1.5 ? 1 : mantissa < 3 ? 2 : mantissa < 7 ? 5 : 10) * power;
    // Multiples k * step inside [lo, hi], rounded to the step's last digit.
    const double scale = std::pow(10.0, decimals_of(step));
    std::vector<double> ticks;
    for (double k = std::ceil(lo / step - 1e-9); k * step <= hi + step * 1e-9; ++k) {
      ticks.push_back(std::round(k * step * scale) / scale + 0.0);  // + 0.0: no "-0"
    }
    if (ticks.size() >= 2) return ticks;
  }
  return {lo, hi};  // an interval too narrow for doubles to divide
}

std::string tick_label(double value, double step) {
  return fmt::format("{:.{}f}", value, step > 0 ? decimals_of(step) : 0);
}

}  // namespace savant
