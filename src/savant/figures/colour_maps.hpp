#pragma once
// Colour maps: viridis for values on one scale (matplotlib's 256-entry table, looked up as
// matplotlib does), and a diverging map for signed weights.

#include <array>
#include <cstdint>

namespace savant {

// viridis(t) for t in [0, 1] (clamped; NaN gives the lowest colour) as 8-bit RGB: entry
// min(255, floor(256 t)) of the table, each channel rounded to the nearest of 0..255, so that
// viridis(0) is #440154 and viridis(1) is #fde725, as in matplotlib.
std::array<std::uint8_t, 3> viridis(double t);

// A diverging map for signed values: t = 0 blue, 0.5 white (zero), 1 red; NaN is white.
std::array<std::uint8_t, 3> diverging(double t);

}  // namespace savant
