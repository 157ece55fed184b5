#pragma once
// A core header that reaches up into the model layer: check-layers must refuse it.
#include "savant/model/network.hpp"
