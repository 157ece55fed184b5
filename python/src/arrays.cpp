#include "arrays.hpp"

#include <cmath>
#include <cstring>
#include <type_traits>

#include <fmt/format.h>

#include "savant/core/error.hpp"
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

// Any array: number of dimensions and C order checked, in this order. `expected` says what the
// argument must be ("a numpy array of uint8 (count, rows, cols)").
py::array checked_layout(const py::handle& value, int ndim, const char* shape_hint,
                         const std::string& expected, const std::string& what) {
  if (!py::isinstance<py::array>(value)) {
    throw py::type_error(fmt::format("{} must be a numpy array of {}; got {}", what, expected,
                                     py::str(py::type::of(value)).cast<std::string>()));
  }
  py::array a = py::reinterpret_borrow<py::array>(value);
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

// Any array: dtype, number of dimensions and C order checked, in this order.
py::array checked(const py::handle& value, const py::dtype& dtype, const char* dtype_text, int ndim,
                  const char* shape_hint, const std::string& what) {
  const std::string expected = fmt::format("{} {}", dtype_text, shape_hint);
  if (py::isinstance<py::array>(value)) {
    const auto a = py::reinterpret_borrow<py::array>(value);
    if (!a.dtype().is(dtype) && !a.dtype().equal(dtype)) {
      throw py::value_error(
          fmt::format("{} must have dtype {}; got {} (convert it with "
                      ".astype(numpy.{}))",
                      what, dtype_text, dtype_name(a), dtype_text));
    }
  }
  return checked_layout(value, ndim, shape_hint, expected, what);
}

// Calls f(values, n) with the array's numbers as a C++ type: float or double for floats, a
// signed or unsigned integer for whole numbers. Another byte order or a type C++ does not have
// (float16, long double) is converted by NumPy to double, int64 or uint64 first.
template <typename F>
void visit_numbers(const py::array& a, F&& f) {
  const auto n = static_cast<std::size_t>(a.size());
  const auto as = [&]<typename T>(T*) -> bool {
    if (!a.dtype().equal(py::dtype::of<T>())) return false;
    f(static_cast<const T*>(a.data()), n);
    return true;
  };
  if (as(static_cast<float*>(nullptr)) || as(static_cast<double*>(nullptr)) ||
      as(static_cast<std::int8_t*>(nullptr)) || as(static_cast<std::int16_t*>(nullptr)) ||
      as(static_cast<std::int32_t*>(nullptr)) || as(static_cast<std::int64_t*>(nullptr)) ||
      as(static_cast<std::uint8_t*>(nullptr)) || as(static_cast<std::uint16_t*>(nullptr)) ||
      as(static_cast<std::uint32_t*>(nullptr)) || as(static_cast<std::uint64_t*>(nullptr))) {
    return;
  }
  const char kind = a.dtype().kind();
  const char* to = kind == 'f' ? "float64" : kind == 'i' ? "int64" : "uint64";
  visit_numbers(py::reinterpret_steal<py::array>(a.attr("astype")(to).release()), f);
}

bool whole_or_float(const py::array& a) {
  const char kind = a.dtype().kind();
  return kind == 'u' || kind == 'i' || kind == 'f';
}

// "images[3, 12, 0]": the element at flat index k of (count, rows, cols).
std::string pixel_name(const char* what, std::size_t k, std::size_t rows, std::size_t cols) {
  return fmt::format("{}[{}, {}, {}]", what, k / (rows * cols), k / cols % rows, k % cols);
}

// The pixels of float images in [0, 1], as round(x * 255) (ties to even, as numpy.round), or
// InputError naming the first value outside and the conversion that fits the values given.
template <typename T>
void float_pixels(const T* x, std::size_t n, std::uint8_t* out, const char* what, std::size_t rows,
                  std::size_t cols) {
  double low = 0, high = 1;
  std::size_t first = n;
  for (std::size_t k = 0; k < n; ++k) {
    const auto v = static_cast<double>(x[k]);
    if (v >= 0 && v <= 1) {
      out[k] = static_cast<std::uint8_t>(std::nearbyint(v * 255.0));
      continue;
    }
    if (std::isnan(v)) {
      throw InputError(fmt::format("{} is NaN: float images must hold pixels / 255, in [0, 1]",
                                   pixel_name(what, k, rows, cols)));
    }
    if (first == n) first = k;
    low = std::min(low, v);
    high = std::max(high, v);
  }
  if (first == n) return;
  const std::string head = fmt::format(
      "{} is {}, outside [0, 1]: float images must hold pixels / 255 (savant takes each as "
      "round(x * 255))",
      pixel_name(what, first, rows, cols), static_cast<double>(x[first]));
  if (low >= 0 && high <= 255) {
    throw InputError(
        fmt::format("{}; these look like pixels 0 to 255 (the largest is {}): pass {} / 255, or "
                    "numpy.rint({}).astype(numpy.uint8)",
                    head, high, what, what));
  }
  throw InputError(fmt::format(
      "{}; the values go from {} to {}: undo the normalisation first (x * std + mean), then pass "
      "pixels / 255 or uint8 pixels",
      head, low, high));
}

template <typename T>
void whole_pixels(const T* x, std::size_t n, std::uint8_t* out, const char* what, std::size_t rows,
                  std::size_t cols) {
  for (std::size_t k = 0; k < n; ++k) {
    // Widened first: comparing an int8 with 255 would be always false (-Wtype-limits).
    if constexpr (std::is_signed_v<T>) {
      const auto v = static_cast<std::int64_t>(x[k]);
      if (v < 0 || v > 255) {
        throw InputError(fmt::format("{} is {}: whole-number images must hold pixels 0 to 255",
                                     pixel_name(what, k, rows, cols), v));
      }
    } else if (const auto v = static_cast<std::uint64_t>(x[k]); v > 255) {
      throw InputError(fmt::format("{} is {}: whole-number images must hold pixels 0 to 255",
                                   pixel_name(what, k, rows, cols), v));
    }
    out[k] = static_cast<std::uint8_t>(x[k]);
  }
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
  py::array a = checked_layout(value, 3, "(count, rows, cols)",
                               "uint8 pixels, or floats in [0, 1], (count, rows, cols)", what);
  if (!a.dtype().equal(py::dtype::of<std::uint8_t>()) && !whole_or_float(a)) {
    throw py::value_error(
        fmt::format("{} must have dtype uint8 (pixels 0 to 255) or a float dtype (pixels / 255, "
                    "in [0, 1]); got {}",
                    what, dtype_name(a)));
  }
  if (a.shape(1) == 0 || a.shape(2) == 0) {
    throw py::value_error(
        fmt::format("{} must have rows and columns; got shape {}", what, shape_text(a)));
  }
  owned_.count = static_cast<std::size_t>(a.shape(0));
  owned_.rows = static_cast<std::size_t>(a.shape(1));
  owned_.cols = static_cast<std::size_t>(a.shape(2));
  if (!a.dtype().equal(py::dtype::of<std::uint8_t>())) {
    // Floats in [0, 1] or whole numbers 0 to 255: converted once, checked value by value.
    owned_.pixels.resize(static_cast<std::size_t>(a.size()));
    visit_numbers(a, [&](const auto* x, std::size_t n) {
      using T = std::remove_cv_t<std::remove_pointer_t<decltype(x)>>;
      if constexpr (std::is_floating_point_v<T>) {
        float_pixels(x, n, owned_.pixels.data(), what, owned_.rows, owned_.cols);
      } else {
        whole_pixels(x, n, owned_.pixels.data(), what, owned_.rows, owned_.cols);
      }
    });
    return;
  }
  // An array that savant made and that covers its whole set: use the set in place.
  const py::handle base = a.base();
  if (base && py::isinstance<py::capsule>(base)) {
    const auto capsule = py::reinterpret_borrow<py::capsule>(base);
    if (capsule.name() != nullptr && std::strcmp(capsule.name(), kImageSetCapsule) == 0) {
      const auto* set = capsule.get_pointer<ImageSet>();
      if (set->pixels.data() == a.data() && set->count == owned_.count &&
          set->rows == owned_.rows && set->cols == owned_.cols) {
        borrowed_ = set;
        keep_ = py::reinterpret_borrow<py::object>(value);
        owned_ = ImageSet{};
        return;
      }
    }
  }
  const auto* data = static_cast<const std::uint8_t*>(a.data());
  owned_.pixels.assign(data, data + a.size());
}

LabelsArg::LabelsArg(const py::handle& value, std::size_t count, std::size_t classes,
                     const char* what) {
  py::array a = checked_layout(value, 1, "(count,)", "whole numbers (count,)", what);
  const char kind = a.dtype().kind();
  if (kind != 'u' && kind != 'i') {
    throw py::value_error(
        fmt::format("{} must have a whole-number dtype (uint8, int32, int64, ...); got {}", what,
                    dtype_name(a)));
  }
  if (static_cast<std::size_t>(a.shape(0)) != count) {
    throw py::value_error(fmt::format("{} has {} labels for {} images", what, a.shape(0), count));
  }
  const auto refuse = [&](std::size_t k, auto label) {
    return InputError(fmt::format("{}[{}] is {}, but the model has {} classes (0 to {})", what, k,
                                  label, classes, classes - 1));
  };
  if (a.dtype().equal(py::dtype::of<std::uint8_t>())) {
    labels_ = {static_cast<const std::uint8_t*>(a.data()), count};
    keep_ = a;
    for (std::size_t k = 0; k < count; ++k) {
      if (labels_[k] >= classes) throw refuse(k, labels_[k]);
    }
    return;
  }
  owned_.resize(count);
  visit_numbers(a, [&](const auto* x, std::size_t n) {
    using T = std::remove_cv_t<std::remove_pointer_t<decltype(x)>>;
    for (std::size_t k = 0; k < n; ++k) {
      if constexpr (std::is_signed_v<T>) {
        const auto v = static_cast<std::int64_t>(x[k]);
        if (v < 0 || static_cast<std::uint64_t>(v) >= classes) throw refuse(k, v);
      } else if (const auto v = static_cast<std::uint64_t>(x[k]); v >= classes) {
        throw refuse(k, v);
      }
      owned_[k] = static_cast<std::uint8_t>(x[k]);
    }
  });
  labels_ = owned_;
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
