#include "arrays.hpp"

#include <cstring>

#include <fmt/format.h>

#include "savant/formats/model_file.hpp"

namespace savant::python {
namespace {

constexpr const char* kImageSetCapsule = "savant.ImageSet";

std::string dtype_name(const py::array& a) {
  return py::str(a.dtype()).cast<std::string>();
}

std::string shape_text(const py::array& a) {
  std::string s = "(";
  for (py::ssize_t i = 0; i < a.ndim(); ++i) {
    s += fmt::format("{}{}", i ? ", " : "", a.shape(i));
  }
  return s + (a.ndim() == 1 ? ",)" : ")");
}

// Any array: dtype, number of dimensions and C order checked, in this order.
py::array checked(const py::handle& value, const py::dtype& dtype, const char* dtype_text, int ndim,
                  const char* shape_hint, const std::string& what) {
  if (!py::isinstance<py::array>(value)) {
    throw py::type_error(fmt::format("{} must be a numpy array of {} {}; got {}", what, dtype_text,
                                     shape_hint, py::str(py::type::of(value)).cast<std::string>()));
  }
  py::array a = py::reinterpret_borrow<py::array>(value);
  if (!a.dtype().is(dtype) && !a.dtype().equal(dtype)) {
    throw py::value_error(
        fmt::format("{} must have dtype {}; got {} (convert it with "
                    ".astype(numpy.{}))",
                    what, dtype_text, dtype_name(a), dtype_text));
  }
  if (a.ndim() != ndim) {
    throw py::value_error(
        fmt::format("{} must have shape {}; got shape {}", what, shape_hint, shape_text(a)));
  }
  if (!(a.flags() & py::array::c_style)) {
    throw py::value_error(
        fmt::format("{} must be C-contiguous (row-major, no strides); got a "
                    "strided or Fortran-ordered view: pass "
                    "numpy.ascontiguousarray({})",
                    what, what));
  }
  return a;
}

}  // namespace

py::array_t<std::uint8_t> images_to_numpy(ImageSet&& images) {
  auto* owned = new ImageSet(std::move(images));
  py::capsule owner(owned, kImageSetCapsule, [](PyObject* capsule) {
    delete static_cast<ImageSet*>(PyCapsule_GetPointer(capsule, kImageSetCapsule));
  });
  const std::vector<py::ssize_t> shape = {static_cast<py::ssize_t>(owned->count),
                                          static_cast<py::ssize_t>(owned->rows),
                                          static_cast<py::ssize_t>(owned->cols)};
  return py::array_t<std::uint8_t>(shape, owned->pixels.data(), owner);
}

ImagesArg::ImagesArg(const py::handle& value, const char* what) {
  py::array a =
      checked(value, py::dtype::of<std::uint8_t>(), "uint8", 3, "(count, rows, cols)", what);
  if (a.shape(1) == 0 || a.shape(2) == 0) {
    throw py::value_error(
        fmt::format("{} must have rows and columns; got shape {}", what, shape_text(a)));
  }
  // An array that savant made and that covers its whole set: use the set in place.
  const py::handle base = a.base();
  if (base && py::isinstance<py::capsule>(base)) {
    const auto capsule = py::reinterpret_borrow<py::capsule>(base);
    if (capsule.name() != nullptr && std::strcmp(capsule.name(), kImageSetCapsule) == 0) {
      const auto* set = capsule.get_pointer<ImageSet>();
      if (set->pixels.data() == a.data() && set->count == static_cast<std::size_t>(a.shape(0)) &&
          set->rows == static_cast<std::size_t>(a.shape(1)) &&
          set->cols == static_cast<std::size_t>(a.shape(2))) {
        borrowed_ = set;
        keep_ = py::reinterpret_borrow<py::object>(value);
        return;
      }
    }
  }
  owned_.count = static_cast<std::size_t>(a.shape(0));
  owned_.rows = static_cast<std::size_t>(a.shape(1));
  owned_.cols = static_cast<std::size_t>(a.shape(2));
  const auto* data = static_cast<const std::uint8_t*>(a.data());
  owned_.pixels.assign(data, data + a.size());
}

std::span<const std::uint8_t> labels_arg(const py::handle& value, std::size_t count,
                                         std::size_t classes, const char* what) {
  py::array a = checked(value, py::dtype::of<std::uint8_t>(), "uint8", 1, "(count,)", what);
  if (static_cast<std::size_t>(a.shape(0)) != count) {
    throw py::value_error(fmt::format("{} has {} labels for {} images", what, a.shape(0), count));
  }
  std::span<const std::uint8_t> labels(static_cast<const std::uint8_t*>(a.data()), count);
  for (std::size_t k = 0; k < count; ++k) {
    if (labels[k] >= classes) {
      throw py::value_error(fmt::format("{}[{}] is {}, but the model has {} classes (0 to {})",
                                        what, k, labels[k], classes, classes - 1));
    }
  }
  return labels;
}

template <typename T>
py::array_t<T> checked_array(const py::handle& value, int ndim, const std::string& what) {
  const char* dtype_text = std::is_same_v<T, float> ? "float32" : "float64";
  const char* hint = ndim == 1 ? "(n,)" : "(rows, cols)";
  return checked(value, py::dtype::of<T>(), dtype_text, ndim, hint, what);
}
template py::array_t<float> checked_array<float>(const py::handle&, int, const std::string&);
template py::array_t<double> checked_array<double>(const py::handle&, int, const std::string&);

Network network_from_weights(const py::sequence& weights) {
  if (weights.size() < 2 || weights.size() % 2 != 0) {
    throw py::value_error(
        fmt::format("weights must be [kernel_1, bias_1, ..., kernel_n, bias_n] "
                    "(Keras' get_weights()); got {} array(s)",
                    weights.size()));
  }
  std::vector<py::array_t<float>> arrays;
  std::vector<std::size_t> sizes;
  for (std::size_t l = 0; l < weights.size() / 2; ++l) {
    const std::string kernel_name = fmt::format("weights[{}] (dense{}.kernel)", 2 * l, l + 1);
    const std::string bias_name = fmt::format("weights[{}] (dense{}.bias)", 2 * l + 1, l + 1);
    py::array_t<float> kernel = checked_array<float>(weights[2 * l], 2, kernel_name);
    py::array_t<float> bias = checked_array<float>(weights[2 * l + 1], 1, bias_name);
    const auto in = static_cast<std::size_t>(kernel.shape(0));
    const auto out = static_cast<std::size_t>(kernel.shape(1));
    if (in == 0 || out == 0) throw py::value_error(kernel_name + " has a zero dimension");
    if (l == 0) {
      sizes.push_back(in);
    } else if (in != sizes.back()) {
      throw py::value_error(fmt::format("{} has {} inputs, but the layer before has {} outputs",
                                        kernel_name, in, sizes.back()));
    }
    if (static_cast<std::size_t>(bias.shape(0)) != out) {
      throw py::value_error(fmt::format("{} has {} values for a kernel of {} outputs", bias_name,
                                        bias.shape(0), out));
    }
    sizes.push_back(out);
    arrays.push_back(kernel);
    arrays.push_back(bias);
  }
  if (sizes.back() > kMaxClasses) {
    throw py::value_error(fmt::format(
        "the last kernel gives {} classes; labels are bytes, so a model has at most {} classes",
        sizes.back(), kMaxClasses));
  }
  Network net{ParameterLayout(sizes)};
  for (std::size_t l = 0; l < net.layout.layers(); ++l) {
    std::memcpy(net.kernel(l).data(), arrays[2 * l].data(), net.kernel(l).size_bytes());
    std::memcpy(net.bias(l).data(), arrays[2 * l + 1].data(), net.bias(l).size_bytes());
  }
  return net;
}

}  // namespace savant::python
