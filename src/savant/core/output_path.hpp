#pragma once
// What a path means to the kernel, and whether savant can write there. Paths are compared and
// written as the kernel resolves them, never as their text simplifies: with `lnk -> far/inner`,
// "lnk/../victim" is far/victim, not ./victim (docs/RELIABILITY.md, "Outputs are whole sets").
// std::filesystem's lexically_normal() is for display only.

#include <cstddef>
#include <filesystem>
#include <string>
#include <string_view>

namespace savant {

// The entry `path` names, absolute, as open(2) and rename(2) reach it: the real path of the
// directory it lies in (every link and every ".." after it resolved in turn, as the kernel
// does), then its last component, not followed (a link stays the link). A trailing "/" or "."
// is dropped: "out/." is "out". Where part of the directory does not exist yet, the part that
// exists is resolved and the rest (which savant creates as plain directories) is appended as
// written. A path ending in ".." names the directory it reaches, resolved.
std::filesystem::path kernel_path(const std::filesystem::path& path);

// What a reader of `path` reads: its real path, links followed to the end (realpath(3)); for a
// path that does not resolve, kernel_path.
std::filesystem::path followed_path(const std::filesystem::path& path);

// Whether `path` lies inside `dir` (both absolute and resolved): `dir` is a proper prefix of it,
// component by component.
bool lies_inside(const std::filesystem::path& path, const std::filesystem::path& dir);

// Whether `text` is valid UTF-8 (no overlong forms, surrogates or code points past U+10FFFF).
bool is_utf8(std::string_view text);

// `text` with each byte that is not printable ASCII as \xNN: a path that is not UTF-8, or that
// holds control characters, said in a message.
std::string printable(std::string_view text);

// Throws Error unless savant can write the output `given`: its resolved path (kernel_path) and
// each name savant makes from it fit the system's limits, and both are UTF-8 (savant names
// its paths in JSON, such as results.json and model metadata, and in pages: UTF-8 text). `beside`:
// how many bytes the longest name savant puts beside the output (its temporary, staging directory
// or lock) adds to the output's name; `inside`: the longest path savant writes within it, for a
// directory. Called before any work, so that a path that cannot be written fails at once.
void check_output_path(const std::filesystem::path& given, std::size_t beside,
                       std::size_t inside = 0);

// Throws Error when `given`, resolved, is not UTF-8; `what` names it in the message ("data set").
void check_path_is_utf8(const std::filesystem::path& given, std::string_view what);

}  // namespace savant
