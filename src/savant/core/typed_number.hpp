#pragma once
// Numbers written as the user typed them. A float setting such as the learning rate 0.001 is
// the float nearest 0.001; widened to double it prints as 0.0010000000474974513, so JSON files
// and databases would hold a number nobody typed and `WHERE learning_rate = 0.001` would match
// nothing. Every file savant writes stores such a float through as_typed.

namespace savant {

// The double whose shortest decimal text is the float's shortest decimal text (std::to_chars
// both ways): as_typed(0.001f) == 0.001. It converts back to the same float:
// static_cast<float>(as_typed(x)) == x for every finite x. NaN and infinities are returned as
// they are.
double as_typed(float value);

}  // namespace savant
