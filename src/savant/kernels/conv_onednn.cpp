#include "savant/kernels/conv_onednn.hpp"

#include <stdexcept>

#ifdef SAVANT_HAVE_ONEDNN

#include <omp.h>

#include <algorithm>
#include <map>
#include <memory>
#include <mutex>
#include <tuple>
#include <unordered_map>

#include <oneapi/dnnl/dnnl.hpp>

#include "savant/kernels/pool.hpp"

namespace savant {

namespace {

using dnnl::memory;
using Shape = std::tuple<std::size_t, std::size_t, std::size_t, std::size_t, std::size_t,
                         std::size_t>;  // B, H, W, C, OC, K

// Runs the enclosing scope's oneDNN calls on the calling thread alone: Debian's libdnnl uses
// OpenMP, whose team size for a thread is omp_get_max_threads(). Restored on exit, so that
// other OpenMP users on this thread keep their setting.
class OneThread {
 public:
  OneThread() : saved_(omp_get_max_threads()) { omp_set_num_threads(1); }
  ~OneThread() { omp_set_num_threads(saved_); }
  OneThread(const OneThread&) = delete;
  OneThread& operator=(const OneThread&) = delete;

 private:
  int saved_;
};

const dnnl::engine& cpu() {
  static const dnnl::engine engine(dnnl::engine::kind::cpu, 0);
  return engine;
}

std::size_t floats_of(const memory::desc& d) {
  return (d.get_size() / sizeof(float) + 15) / 16 * 16;  // 64-byte aligned regions
}

// A reorder between savant's (K, K, C, OC) kernel, oneDNN's "hwio", and the layout a
// convolution chose, or nothing when they are the same.
struct Reorder {
  bool needed = false;
  dnnl::reorder primitive;
  Reorder(const memory::desc& from, const memory::desc& to, const dnnl::primitive_attr& attr)
      : needed(from != to) {
    if (needed)
      primitive = dnnl::reorder(dnnl::reorder::primitive_desc(cpu(), from, cpu(), to, attr));
  }
  void run(dnnl::stream& s, const memory::desc& from_d, const void* from, const memory::desc& to_d,
           void* to) const {
    memory a(from_d, cpu(), const_cast<void*>(from)), b(to_d, cpu(), to);
    primitive.execute(s, {{DNNL_ARG_FROM, a}, {DNNL_ARG_TO, b}});
  }
};

// The primitives of one shape. Workspace layout, in floats: [weights in the forward's layout,
// reused for the backward data pass's | the kernel's gradient in the backward weights pass's
// layout | the bias's gradient when the caller wants none | scratch memory].
struct Plan {
  memory::desc src, dst, user_weights, bias;
  dnnl::convolution_forward::primitive_desc forward_pd[2];  // without, with ReLU
  dnnl::convolution_backward_data::primitive_desc data_pd;
  dnnl::convolution_backward_weights::primitive_desc weights_pd;
  dnnl::convolution_forward forward[2];
  dnnl::convolution_backward_data data;
  dnnl::convolution_backward_weights weights;
  Reorder to_forward[2], to_data, from_weights;
  std::size_t weights_at = 0, dweights_at = 0, dbias_at = 0, scratch_at = 0, floats = 0;

  static dnnl::primitive_attr attr(bool relu) {
    dnnl::primitive_attr a;
    a.set_scratchpad_mode(dnnl::scratchpad_mode::user);
    if (relu) {
      dnnl::post_ops ops;
      ops.append_eltwise(1.0f, dnnl::algorithm::eltwise_relu, 0.0f, 0.0f);
      a.set_post_ops(ops);
    }
    return a;
  }

  explicit Plan(const Shape& shape)
      : src(dims(shape, 3), memory::data_type::f32, memory::format_tag::nhwc),
        dst(dims(shape, 4), memory::data_type::f32, memory::format_tag::nhwc),
        user_weights(weight_dims(shape), memory::data_type::f32, memory::format_tag::hwio),
        bias({static_cast<memory::dim>(std::get<4>(shape))}, memory::data_type::f32,
             memory::format_tag::x),
        forward_pd{make_forward(shape, false), make_forward(shape, true)},
        data_pd(dnnl::convolution_backward_data::desc(dnnl::algorithm::convolution_direct, src,
                                                      any_weights(shape), dst, {1, 1},
                                                      padding(shape), padding(shape)),
                attr(false), cpu(), forward_pd[0]),
        weights_pd(dnnl::convolution_backward_weights::desc(dnnl::algorithm::convolution_direct,
                                                            src, any_weights(shape), bias, dst,
                                                            {1, 1}, padding(shape), padding(shape)),
                   attr(false), cpu(), forward_pd[0]),
        forward{dnnl::convolution_forward(forward_pd[0]), dnnl::convolution_forward(forward_pd[1])},
        data(data_pd),
        weights(weights_pd),
        to_forward{Reorder(user_weights, forward_pd[0].weights_desc(), attr(false)),
                   Reorder(user_weights, forward_pd[1].weights_desc(), attr(false))},
        to_data(user_weights, data_pd.weights_desc(), attr(false)),
        from_weights(weights_pd.diff_weights_desc(), user_weights, attr(false)) {
    const std::size_t w =
        std::max({floats_of(forward_pd[0].weights_desc()), floats_of(forward_pd[1].weights_desc()),
                  floats_of(data_pd.weights_desc())});
    dweights_at = w;
    dbias_at = dweights_at + floats_of(weights_pd.diff_weights_desc());
    scratch_at = dbias_at + floats_of(bias);
    floats = scratch_at + std::max({floats_of(forward_pd[0].scratchpad_desc()),
                                    floats_of(forward_pd[1].scratchpad_desc()),
                                    floats_of(data_pd.scratchpad_desc()),
                                    floats_of(weights_pd.scratchpad_desc())});
  }

  static memory::dims dims(const Shape& s, int channels_at) {
    const auto [B, H, W, C, OC, K] = s;
    const std::size_t channels = channels_at == 3 ? C : OC;
    return {static_cast<memory::dim>(B), static_cast<memory::dim>(channels),
            static_cast<memory::dim>(H), static_cast<memory::dim>(W)};
  }
  static memory::dims weight_dims(const Shape& s) {
    const auto [B, H, W, C, OC, K] = s;
    return {static_cast<memory::dim>(OC), static_cast<memory::dim>(C), static_cast<memory::dim>(K),
            static_cast<memory::dim>(K)};
  }
  static memory::desc any_weights(const Shape& s) {
    return {weight_dims(s), memory::data_type::f32, memory::format_tag::any};
  }
  static memory::dims padding(const Shape& s) {
    const auto pad = static_cast<memory::dim>(std::get<5>(s) / 2);
    return {pad, pad};
  }
  dnnl::convolution_forward::primitive_desc make_forward(const Shape& s, bool relu) const {
    return {dnnl::convolution_forward::desc(
                dnnl::prop_kind::forward_training, dnnl::algorithm::convolution_direct, src,
                any_weights(s), bias, dst, {1, 1}, padding(s), padding(s)),
            attr(relu), cpu()};
  }
};

// One plan per shape, made on first use and kept for the life of the process (the models have
// a handful of shapes). oneDNN primitives may run on several threads at once when each call
// has its own scratch memory, as here.
const Plan& plan_for(std::size_t B, std::size_t H, std::size_t W, std::size_t C, std::size_t OC,
                     std::size_t K) {
  static std::mutex mutex;
  static std::map<Shape, std::unique_ptr<const Plan>> plans;
  const Shape shape{B, H, W, C, OC, K};
  const std::lock_guard lock(mutex);
  auto found = plans.find(shape);
  if (found == plans.end()) {
    const OneThread one;  // the primitives are made for the one thread they will run on
    found = plans.emplace(shape, std::make_unique<const Plan>(shape)).first;
  }
  return *found->second;
}

memory at(const memory::desc& d, const float* p) {
  return memory(d, cpu(), const_cast<float*>(p));
}

}  // namespace

bool conv2d_onednn_built() {
  return true;
}

std::size_t conv2d_onednn_workspace_floats(std::size_t B, std::size_t H, std::size_t W,
                                           std::size_t C, std::size_t OC, std::size_t K) {
  return plan_for(B, H, W, C, OC, K).floats;
}

void conv2d_forward_onednn(float* out, const float* inp, const float* kernel, const float* bias,
                           float* workspace, std::size_t B, std::size_t H, std::size_t W,
                           std::size_t C, std::size_t OC, std::size_t K, bool relu) {
  const Plan& p = plan_for(B, H, W, C, OC, K);
  const OneThread one;
  dnnl::stream s(cpu());
  const auto& pd = p.forward_pd[relu ? 1 : 0];
  const float* weights = kernel;
  if (p.to_forward[relu ? 1 : 0].needed) {
    p.to_forward[relu ? 1 : 0].run(s, p.user_weights, kernel, pd.weights_desc(),
                                   workspace + p.weights_at);
    weights = workspace + p.weights_at;
  }
  std::unordered_map<int, memory> args{
      {DNNL_ARG_SRC, at(p.src, inp)},
      {DNNL_ARG_WEIGHTS, at(pd.weights_desc(), weights)},
      {DNNL_ARG_DST, at(p.dst, out)},
      {DNNL_ARG_SCRATCHPAD, at(pd.scratchpad_desc(), workspace + p.scratch_at)}};
  // Without a bias oneDNN still adds one: zeros, kept in the gradient's slot.
  float* zeros = workspace + p.dbias_at;
  if (bias == nullptr) std::fill(zeros, zeros + OC, 0.0f);
  args.emplace(DNNL_ARG_BIAS, at(p.bias, bias != nullptr ? bias : zeros));
  p.forward[relu ? 1 : 0].execute(s, args);
  s.wait();
}

void conv2d_backward_onednn(float* dinp, float* dkernel, float* dbias, const float* dout,
                            const float* inp, const float* kernel, const float* activation,
                            float* workspace, std::size_t B, std::size_t H, std::size_t W,
                            std::size_t C, std::size_t OC, std::size_t K) {
  const Plan& p = plan_for(B, H, W, C, OC, K);
  const OneThread one;
  dnnl::stream s(cpu());
  float* scratch = workspace + p.scratch_at;
  const memory::desc& dw = p.weights_pd.diff_weights_desc();
  float* dweights = p.from_weights.needed ? workspace + p.dweights_at : dkernel;
  p.weights.execute(
      s, {{DNNL_ARG_SRC, at(p.src, inp)},
          {DNNL_ARG_DIFF_DST, at(p.dst, dout)},
          {DNNL_ARG_DIFF_WEIGHTS, at(dw, dweights)},
          {DNNL_ARG_DIFF_BIAS, at(p.bias, dbias != nullptr ? dbias : workspace + p.dbias_at)},
          {DNNL_ARG_SCRATCHPAD, at(p.weights_pd.scratchpad_desc(), scratch)}});
  if (p.from_weights.needed) p.from_weights.run(s, dw, dweights, p.user_weights, dkernel);
  if (dinp != nullptr) {
    const memory::desc& wd = p.data_pd.weights_desc();
    const float* weights = kernel;
    if (p.to_data.needed) {
      p.to_data.run(s, p.user_weights, kernel, wd, workspace + p.weights_at);
      weights = workspace + p.weights_at;
    }
    p.data.execute(s, {{DNNL_ARG_DIFF_DST, at(p.dst, dout)},
                       {DNNL_ARG_WEIGHTS, at(wd, weights)},
                       {DNNL_ARG_DIFF_SRC, at(p.src, dinp)},
                       {DNNL_ARG_SCRATCHPAD, at(p.data_pd.scratchpad_desc(), scratch)}});
  }
  s.wait();
  if (dinp != nullptr && activation != nullptr) relu_backward(dinp, activation, B * H * W * C);
}

std::string conv2d_onednn_implementations(std::size_t B, std::size_t H, std::size_t W,
                                          std::size_t C, std::size_t OC, std::size_t K) {
  const Plan& p = plan_for(B, H, W, C, OC, K);
  return std::string("forward ") + p.forward_pd[1].impl_info_str() + ", backward data " +
         p.data_pd.impl_info_str() + ", backward weights " + p.weights_pd.impl_info_str();
}

}  // namespace savant

#else  // no oneDNN in this build

namespace savant {

namespace {
[[noreturn]] void missing() {
  throw std::logic_error("this build of savant has no oneDNN (libdnnl-dev was not found)");
}
}  // namespace

bool conv2d_onednn_built() {
  return false;
}
std::size_t conv2d_onednn_workspace_floats(std::size_t, std::size_t, std::size_t, std::size_t,
                                           std::size_t, std::size_t) {
  return 0;
}
void conv2d_forward_onednn(float*, const float*, const float*, const float*, float*, std::size_t,
                           std::size_t, std::size_t, std::size_t, std::size_t, std::size_t, bool) {
  missing();
}
void conv2d_backward_onednn(float*, float*, float*, const float*, const float*, const float*,
                            const float*, float*, std::size_t, std::size_t, std::size_t,
                            std::size_t, std::size_t, std::size_t) {
  missing();
}
std::string conv2d_onednn_implementations(std::size_t, std::size_t, std::size_t, std::size_t,
                                          std::size_t, std::size_t) {
  return {};
}

}  // namespace savant

#endif
