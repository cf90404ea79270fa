// libFuzzer target for the .npz/.npy routing-trace reader (core/import/npz_trace.cpp, with its
// zip and deflate handling): any bytes must either read or raise std::runtime_error. A table
// that reads must be consistent and survive the .npz writer (fuzz_support.h). The first byte
// picks .npz (even) or a bare .npy (odd); the rest is the file.
#include <stdexcept>

#include "fuzz_support.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    constexpr const char* kTarget = "fuzz_npz_trace";
    if (size == 0) return 0;
    const moe::fuzz::MemoryFile input(data + 1, size - 1);
    moe::analysis::RoutingTable table;
    try {
        table = data[0] % 2 == 0 ? moe::import::read_npz_trace(input.path()) : moe::import::read_npy_trace(input.path());
    } catch (const std::runtime_error&) {
        return 0;
    }
    moe::fuzz::check_table(kTarget, table);
    moe::fuzz::check_npz_round_trip(kTarget, table);
    return 0;
}
