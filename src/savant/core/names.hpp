#pragma once
// Names a user may mistype (commands, flags, settings): the known one a typo most likely meant.

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

namespace savant {

// The edits (insert, delete, replace a character, or swap two neighbours) that turn `a` into
// `b`: the optimal string alignment distance, small enough to compute here for words of a few
// dozen characters.
std::size_t edit_distance(std::string_view a, std::string_view b);

// The one of `known` that `word` is likely a typo of (one edit in a short word, a third of the
// letters in a long one), the closest first; empty when none is that close.
std::string closest_name(std::string_view word, const std::vector<std::string>& known);

}  // namespace savant
