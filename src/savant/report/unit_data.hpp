#pragma once
// The report's per-unit data (docs/REPORT.md, "Hidden units"): what the page needs to draw each
// hidden unit of a model and its details, computed from the model file's first two layers with
// the library's measures (docs/SPEC.md, section 10).

#include <cstddef>
#include <cstdint>

#include <nlohmann/json.hpp>

#include "savant/model/network.hpp"

namespace savant {

// One model's units on a g x g grid of rows x cols images; `seed` gives the Glorot start that
// the change (SPEC 10.2) is measured from. The object holds, for N units, P pixels, C classes:
//   order           the units in the gallery's order (units_by_home_block)
//   weights         base64 of (N, P) bytes, unit j's receptive field scaled to its own largest
//                   |w|: byte b is w = (b - 128) / 127 * scale[j] (1 .. 255; 128 is 0)
//   scale           (N) the largest |w_pj| of each unit
//   home            (N) home block, null for a unit with no weight
//   specialisation, specialisation_change   (N) the largest share (null: undefined)
//   shares          base64 of (N, g^2) bytes, unit j's share of block b as round(255 s_jb)
//   discontinuity, discontinuity_change     (N) border discontinuity (null: not finite), or
//                   null for a grid without both kinds of pair
//   outgoing        (N, C) unit j's weights into the output layer, when the network has one
//                   hidden layer (null otherwise: a deeper network's units reach the classes
//                   through other layers)
nlohmann::json unit_page_json(const Network& net, std::size_t rows, std::size_t cols, int grid,
                              std::uint64_t seed);

}  // namespace savant
