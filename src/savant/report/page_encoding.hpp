#pragma once
// Putting data and code into one self-contained HTML page: the run report and the sweep report
// both inline everything, so that the page opens from disk with no network.

#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

namespace savant {

// A correlation matrix R (P, P) packed for the page: the upper triangle with the diagonal, row
// by row (P (P + 1) / 2 bytes), each value r in [-1, 1] as round((r + 1) * 127) (so 127 is 0
// exactly, steps of 1/127), and 255 for NaN.
inline constexpr std::uint8_t kQuantisedNaN = 255;
std::vector<std::uint8_t> quantise_upper_triangle(std::span<const double> R, std::size_t pixels);

// RFC 4648 base64 with padding.
std::string base64_encode(std::span<const std::uint8_t> bytes);

// JSON as the text of a script element: nothing in the data can close the element.
std::string json_script_text(const nlohmann::json& data);

// `text` (JavaScript or CSS) made safe to inline in a <`tag`> element: "</tag" in any case
// becomes "<\/tag".
std::string escape_end_tag(std::string_view text, std::string_view tag);

// <script> elements holding Vega, Vega-Lite and vega-embed (compiled into savant), safe to put
// into a page as they are.
std::string chart_library_scripts();

// Replaces the first `placeholder` in `page` by `text`; throws savant::Error when there is none
// (savant was built from a broken template).
void replace_placeholder(std::string& page, std::string_view placeholder, std::string_view text);

}  // namespace savant
