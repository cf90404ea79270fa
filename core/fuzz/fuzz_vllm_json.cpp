// libFuzzer target for the vLLM response reader (core/import/vllm_json.cpp, a SAX handler):
// any bytes must either read or raise std::runtime_error, and a table that reads must have
// consistent shapes and ids.
#include <stdexcept>

#include "fuzz_support.h"
#include "import/vllm_json.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    const moe::fuzz::MemoryFile input(data, size);
    try {
        moe::fuzz::check_table("fuzz_vllm_json", moe::import::read_vllm_response(input.path()));
    } catch (const std::runtime_error&) {
    }
    return 0;
}
