// libFuzzer target for the routing CSV reader (core/import/routing_csv.cpp): any bytes must
// either read or raise TraceError naming the file and line. A table that reads must be
// consistent and survive the .npz writer (fuzz_support.h). The first byte, when odd, makes
// the reader check ids against n_expert = 4 (as analyze -m does); the rest is the file.
#include "fuzz_support.h"
#include "import/routing_csv.h"
#include "import/trace_reader.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    constexpr const char* kTarget = "fuzz_routing_csv";
    if (size == 0) return 0;
    const moe::fuzz::MemoryFile input(data + 1, size - 1);
    moe::import::TraceReadOptions options;
    if (data[0] % 2 == 1) options.n_expert = 4;
    moe::analysis::RoutingTable table;
    try {
        table = moe::import::read_routing_csv(input.path(), options);
    } catch (const moe::import::TraceError&) {
        return 0;
    }
    moe::fuzz::check_table(kTarget, table);
    moe::fuzz::check_npz_round_trip(kTarget, table);
    return 0;
}
