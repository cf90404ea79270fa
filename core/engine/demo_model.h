// Where the bundled demo model and corpus live, for the front ends' "nothing named" case.
#pragma once

#include <string>

namespace moe {

// $MOESCOPE_DEMO_MODEL if set, else resources/models/demo-moe.gguf of the source tree this
// build came from, else the same path relative to the running executable's folder.
std::string demo_model_path();

// resources/corpus/ (held-out samples of the demo model's training domains), found the same way.
std::string bundled_corpus_path();

}  // namespace moe
