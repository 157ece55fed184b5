#pragma once
// NumPy arrays in and out of the library's types. Out: the library's vectors are moved into
// the array's owner, never copied. In: arrays are checked for dtype, shape and memory layout (a
// clear ValueError otherwise); images made by savant are used in place, other images are
// copied once into the library's ImageSet, which owns its pixels. The only conversions are
// those that lose nothing and are checked value by value: float images in [0, 1] (pixels /
// 255) and whole numbers of another dtype as images or labels.

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include <pybind11/numpy.h>
#include <pybind11/pybind11.h>

#include "savant/data/image_set.hpp"
#include "savant/model/network.hpp"

namespace savant::python {

namespace py = pybind11;

// A vector handed to NumPy: the array owns it (through a capsule), no copy.
template <typename T>
py::array_t<T> to_numpy(std::vector<T>&& values, std::vector<py::ssize_t> shape) {
  auto* owned = new std::vector<T>(std::move(values));
  py::capsule owner(owned, [](void* p) { delete static_cast<std::vector<T>*>(p); });
  return py::array_t<T>(std::move(shape), owned->data(), owner);
}

// An image set as a uint8 array (count, rows, cols) that owns the set.
py::array_t<std::uint8_t> images_to_numpy(ImageSet&& images);

// The images of an array (count, rows, cols), C-contiguous: uint8 pixels (the set itself when
// the array is one images_to_numpy made, else a copy), floats in [0, 1] taken as
// round(x * 255) (ties to even, as numpy.round), or whole numbers 0 to 255; a value outside is
// savant::InputError naming it. `what` names the argument in errors.
class ImagesArg {
 public:
  ImagesArg(const py::handle& array, const char* what);
  const ImageSet& get() const { return borrowed_ ? *borrowed_ : owned_; }

 private:
  const ImageSet* borrowed_ = nullptr;
  ImageSet owned_;
  py::object keep_;  // the array, while borrowed_ points into it
};

// Labels: an array (count,) of any whole-number dtype (uint8, int64, ...), C-contiguous, every
// label from 0 to classes - 1 (else savant::InputError naming the first one that is not). A
// uint8 array is used in place (it must outlive this), another one converted once.
class LabelsArg {
 public:
  LabelsArg(const py::handle& array, std::size_t count, std::size_t classes, const char* what);
  std::span<const std::uint8_t> get() const { return labels_; }

 private:
  std::span<const std::uint8_t> labels_;
  std::vector<std::uint8_t> owned_;
  py::object keep_;
};

// A float array of the given dtype and number of dimensions, C-contiguous, checked; `what`
// names the argument in errors.
template <typename T>
py::array_t<T> checked_array(const py::handle& value, int ndim, const std::string& what);

// [kernel_1, bias_1, ..., kernel_n, bias_n] (Keras' get_weights()): float32 kernels
// (in, out) and biases (out,), C-contiguous, each layer's input the previous one's output, at
// most 256 classes.
Network network_from_weights(const py::sequence& weights);

}  // namespace savant::python
