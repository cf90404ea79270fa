// libFuzzer target: any bytes must either parse or raise GgufError (never crash, overread or
// allocate by an unchecked count), and whatever parses must survive a GgufWriter round trip.
#include <cstdint>
#include <cstdlib>
#include <cstdio>
#include <vector>

#include "gguf/gguf_file.h"

namespace {

using moe::gguf::GgufError;
using moe::gguf::GgufFile;
using moe::gguf::GgufWriter;

[[noreturn]] void fail(const char* what) {
    std::fprintf(stderr, "fuzz_gguf_reader: %s\n", what);
    std::abort();
}

// Reads every accessor so that the sanitizers see every byte the reader handed out.
void touch_everything(const GgufFile& file) {
    volatile uint8_t sink = 0;
    for (const auto& t : file.tensors()) {
        if (file.find_tensor(t.name) != &t) fail("find_tensor does not return the tensor itself");
        if (t.nbytes == 0) fail("tensor without bytes");
        sink = sink ^ t.data[0] ^ t.data[t.nbytes - 1];
        (void)t.shape_string();
    }
    for (const auto& [key, value] : file.metadata()) {
        if (file.find(key) != &value) fail("find does not return the value itself");
        try {
            (void)file.get_int(key);
        } catch (const GgufError&) {
        }
        try {
            (void)file.get_float_array(key);
        } catch (const GgufError&) {
        }
        try {
            (void)file.get_string_array(key);
        } catch (const GgufError&) {
        }
    }
}

// Re-encodes a parsed file; the metadata map is sorted, so the output is canonical.
std::vector<uint8_t> rewrite(const GgufFile& file) {
    GgufWriter writer(file.alignment());
    for (const auto& [key, value] : file.metadata()) {
        if (key != "general.alignment") writer.set(key, value);
    }
    for (const auto& t : file.tensors()) {
        writer.add_tensor(t.name, t.type, std::vector<int64_t>(t.ne, t.ne + t.n_dims),
                          std::vector<uint8_t>(t.data, t.data + t.nbytes));
    }
    return writer.to_bytes();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    std::unique_ptr<GgufFile> file;
    try {
        file = GgufFile::parse(data, size, "fuzz.gguf");
    } catch (const GgufError&) {
        return 0;
    }
    touch_everything(*file);

    const std::vector<uint8_t> first = rewrite(*file);
    std::unique_ptr<GgufFile> reread;
    try {
        reread = GgufFile::parse(first.data(), first.size(), "rewritten.gguf");
    } catch (const GgufError& e) {
        std::fprintf(stderr, "%s\n", e.what());
        fail("the writer produced a file the reader rejects");
    }
    if (reread->metadata().size() != file->metadata().size() || reread->tensors().size() != file->tensors().size()) {
        fail("the round trip changed the number of keys or tensors");
    }
    if (rewrite(*reread) != first) fail("writing a re-read file changed its bytes");
    return 0;
}
