#pragma once
// Subnormal floats flushed to zero while training.

namespace savant {

// While alive, the calling thread flushes subnormal floats to zero (x86's FTZ and DAZ), as
// TensorFlow does when Keras trains. Adam's moments of rarely-seen pixels decay towards zero
// and, without this, every operation on a subnormal takes a slow microcode path: the training
// step gets several times slower. No effect on targets without these modes.
class FlushDenormals {
 public:
  FlushDenormals();
  ~FlushDenormals();
  FlushDenormals(const FlushDenormals&) = delete;
  FlushDenormals& operator=(const FlushDenormals&) = delete;

 private:
  unsigned int saved_ = 0;
};

// The same, for the rest of the calling thread's life (for worker threads).
void enable_flush_denormals();

}  // namespace savant
