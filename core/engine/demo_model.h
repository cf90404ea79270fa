// Where the bundled demo model lives, for the front ends' "no model named" case.
#pragma once

#include <string>

namespace moe {

// $MOESCOPE_DEMO_MODEL if set, else resources/models/demo-moe.gguf of the source tree this
// build came from, else the same path relative to the running executable's folder.
std::string demo_model_path();

}  // namespace moe
