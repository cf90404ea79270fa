// libFuzzer target for the .npz/.npy routing-trace reader (core/import/npz_trace.cpp, with its
// zip and deflate handling): any bytes must either read or raise std::runtime_error. A table
// that reads must have consistent shapes, and writing it back and reading that again must
// give the same bytes (when the schema can hold it: no chosen set shorter than max_k).
#include <stdexcept>

#include "fuzz_support.h"
#include "import/npz_trace.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    constexpr const char* kTarget = "fuzz_npz_trace";
    const moe::fuzz::MemoryFile input(data, size);
    moe::analysis::RoutingTable table;
    try {
        table = moe::import::read_npz_trace(input.path());
    } catch (const std::runtime_error&) {
        return 0;
    }
    moe::fuzz::check_table(kTarget, table);
    std::string first;
    try {
        first = moe::import::npz_trace_bytes(table, /*compress=*/false);
    } catch (const std::invalid_argument&) {
        return 0;  // a chosen set shorter than max_k: documented as not writable
    }
    const moe::fuzz::MemoryFile written(reinterpret_cast<const uint8_t*>(first.data()), first.size());
    moe::analysis::RoutingTable again;
    try {
        again = moe::import::read_npz_trace(written.path());
    } catch (const std::runtime_error& e) {
        moe::fuzz::fail(kTarget, std::string("a written trace does not read: ") + e.what());
    }
    if (moe::import::npz_trace_bytes(again, false) != first) moe::fuzz::fail(kTarget, "write(read(write(t))) != write(t)");
    return 0;
}
