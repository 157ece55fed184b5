#include "savant/report/page_encoding.hpp"

#include <algorithm>
#include <cctype>
#include <cmath>

#include <fmt/format.h>

#include "savant/core/error.hpp"
#include "savant/report/assets.hpp"

namespace savant {

// Inlined text must not end its element early: in a script, "</script" (any case) would. JS and
// CSS only hold it inside strings, where "<\/" means the same.
std::string escape_end_tag(std::string_view text, std::string_view tag) {
  std::string out;
  out.reserve(text.size());
  std::size_t from = 0;
  for (std::size_t at = text.find("</"); at != std::string_view::npos;
       at = text.find("</", at + 2)) {
    if (at + 1 + tag.size() < text.size() &&
        std::equal(
            tag.begin(), tag.end(), text.begin() + static_cast<std::ptrdiff_t>(at + 2),
            [](char a, char b) { return std::tolower(static_cast<unsigned char>(b)) == a; })) {
      out.append(text, from, at - from);
      out += "<\\/";
      from = at + 2;
    }
  }
  out.append(text, from, std::string_view::npos);
  return out;
}

// JSON as a script element's text: '<' appears only inside strings, where \u003c means the same,
// so nothing in the data can close the element or open a comment.
std::string json_script_text(const nlohmann::json& data) {
  const std::string text = data.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
  std::string out;
  out.reserve(text.size());
  std::size_t from = 0;
  for (std::size_t at = text.find('<'); at != std::string::npos; at = text.find('<', from)) {
    out.append(text, from, at - from);
    out += "\\u003c";
    from = at + 1;
  }
  out.append(text, from, std::string::npos);
  return out;
}

void replace_placeholder(std::string& page, std::string_view placeholder, std::string_view text) {
  const std::size_t at = page.find(placeholder);
  if (at == std::string::npos) {
    throw Error(
        fmt::format("the report template has no {}; savant was built from a broken "
                    "report/template.html",
                    placeholder));
  }
  page.replace(at, placeholder.size(), text);
}

std::string chart_library_scripts() {
  std::string libraries;
  for (std::string_view js :
       {report_assets::vega_js(), report_assets::vega_lite_js(), report_assets::vega_embed_js()}) {
    libraries += "<script>" + escape_end_tag(js, "script") + "</script>\n";
  }
  return libraries;
}

std::vector<std::uint8_t> quantise_upper_triangle(std::span<const double> R, std::size_t pixels) {
  std::vector<std::uint8_t> out;
  out.reserve(pixels * (pixels + 1) / 2);
  for (std::size_t p = 0; p < pixels; ++p) {
    for (std::size_t q = p; q < pixels; ++q) {
      const double r = R[p * pixels + q];
      // lround of x in [0, 254]: x + 0.5 truncated, but below 0.5, where the sum may round up
      // to 1 (x = 0.49999999999999994).
      const double x = (std::clamp(r, -1.0, 1.0) + 1.0) * 127.0;
      out.push_back(!std::isfinite(r) ? kQuantisedNaN
                    : x < 0.5         ? std::uint8_t{0}
                                      : static_cast<std::uint8_t>(x + 0.5));
    }
  }
  return out;
}

std::string base64_encode(std::span<const std::uint8_t> bytes) {
  static constexpr char kAlphabet[] =
      "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  std::string out;
  out.reserve((bytes.size() + 2) / 3 * 4);
  std::size_t i = 0;
  for (; i + 3 <= bytes.size(); i += 3) {
    const std::uint32_t v = (std::uint32_t{bytes[i]} << 16) | (std::uint32_t{bytes[i + 1]} << 8) |
                            std::uint32_t{bytes[i + 2]};
    for (int shift : {18, 12, 6, 0}) out += kAlphabet[(v >> shift) & 63];
  }
  const std::size_t rest = bytes.size() - i;
  if (rest > 0) {
    std::uint32_t v = std::uint32_t{bytes[i]} << 16;
    if (rest == 2) v |= std::uint32_t{bytes[i + 1]} << 8;
    out += kAlphabet[(v >> 18) & 63];
    out += kAlphabet[(v >> 12) & 63];
    out += rest == 2 ? kAlphabet[(v >> 6) & 63] : '=';
    out += '=';
  }
  return out;
}

}  // namespace savant
