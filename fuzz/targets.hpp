#pragma once
// What each fuzz harness does with one input, apart from libFuzzer so that the regression
// test (tests/cli/test_fuzz_regressions.cpp) replays the seed corpora and every input that once
// crashed through exactly the same code under the ordinary test suite.
//
// Each function returns normally for any input. Rejecting the input with savant::Error is
// the expected outcome for most of them; anything else (another exception, a crash, a
// sanitizer report, a broken round trip) is a bug and aborts.

#include <cstddef>
#include <cstdint>
#include <span>

namespace savant::fuzz {

// The bytes as an IDX file on disk (raw, or gzip when they start with gzip's magic), read
// through the public readers: as labels when the header's rank byte is 1 (for gzip input:
// when the last byte is odd), else as images.
void idx_file(std::span<const std::uint8_t> bytes);

// The bytes gzip-compressed first, then read as above: mutations reach the IDX parser
// through the decompressing path, which mutated deflate streams rarely get past.
void idx_gzip_file(std::span<const std::uint8_t> bytes);

// The bytes as a safetensors file: decoded, turned into a network, and, when accepted,
// encoded and decoded again, which must give the same tensors bit for bit.
void safetensors_file(std::span<const std::uint8_t> bytes);

// The bytes as a model file, taken as eval, analyze and compare take one (the tensors, then
// the metadata checked against them; most seeds have none, as files of other tools); when
// accepted, what analyze computes and writes to analysis.json, and the forward passes of eval
// and compare on a few images of the model's input size.
void model_file(std::span<const std::uint8_t> bytes);

// The bytes as a run's results.json, read as the report reads it (read_results_json, then
// parse_results_json: the file's checks, the depth limit, every key the page uses);
// when accepted, the page's data must survive the trip through the page's script element.
void results_json_text(std::span<const std::uint8_t> bytes);

// The bytes as a sweep file (TOML), read by parse_sweep_text (what `savant sweep --config`
// uses) and validated; when accepted and small, the jobs are expanded and must be distinct.
void sweep_toml_text(std::span<const std::uint8_t> bytes);

}  // namespace savant::fuzz
