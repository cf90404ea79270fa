#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

#include "import/npz_trace.h"
#include "import/zip_archive.h"
#include "python_numpy.h"

namespace moe::import {
namespace {

using analysis::RoutingTable;

// Three tokens in two runs, two MoE layers (blocks 1 and 3), top-2 of 4 experts.
const char* kDocumentedTrace = R"(
experts = np.array([[[3, 1], [0, 2]], [[1, 3], [2, 0]], [[0, 1], [3, 2]]])
weights = np.array([[[0.75, 0.25]] * 2] * 3)
probs = np.array([[[0.5, 0.25, 0.125, 0.125]] * 2] * 3)
meta = dict(token_ids=np.array([10, 11, 12]), layers=np.array([1, 3]), seq_starts=np.array([0, 2]),
            n_experts=4, model="DeepSeek-V3")
)";

void expect_documented_trace(const RoutingTable& t, bool with_floats) {
    EXPECT_EQ(t.n_expert, 4);
    EXPECT_EQ(t.max_k, 2);
    EXPECT_EQ(t.layers, (std::vector<int>{1, 3}));
    EXPECT_EQ(t.model, "DeepSeek-V3");
    EXPECT_EQ(t.token_ids, (std::vector<int32_t>{10, 11, 12}));
    EXPECT_EQ(t.sequences, (std::vector<uint32_t>{0, 0, 1}));
    EXPECT_EQ(t.positions, (std::vector<int32_t>{0, 1, 0}));
    EXPECT_EQ(t.experts, (std::vector<analysis::ExpertId>{3, 1, 0, 2, 1, 3, 2, 0, 0, 1, 3, 2}));
    EXPECT_EQ(t.chosen(2, 1)[0], 3);
    if (!with_floats) return;
    ASSERT_EQ(t.weights.size(), 12u);
    EXPECT_EQ(t.weights[0], 0.75f);
    EXPECT_EQ(t.weights[11], 0.25f);
    ASSERT_EQ(t.probs.size(), 24u);
    EXPECT_EQ(t.probs[0], 0.5f);
    EXPECT_EQ(t.probs[23], 0.125f);
}

TEST(NpzTrace, EveryDtypeStoredAndDeflated) {
    MOE_REQUIRE_NUMPY();
    const std::string dir = test::temp_dir();
    ASSERT_TRUE(test::run_numpy_script(dir, std::string(kDocumentedTrace) + R"(
for i, (ints, floats) in enumerate([('<i2', '<f2'), ('<i4', '<f4'), ('<i8', '<f8')]):
    arrays = dict(experts=experts.astype(ints), weights=weights.astype(floats), probs=probs.astype(floats),
                  **{k: (v.astype(ints) if isinstance(v, np.ndarray) else v) for k, v in meta.items()})
    np.savez(f'{out}/stored_{i}.npz', **arrays)
    np.savez_compressed(f'{out}/deflated_{i}.npz', **arrays)
)"));
    for (const char* kind : {"stored", "deflated"})
        for (int i = 0; i < 3; ++i) {
            SCOPED_TRACE(std::string(kind) + " " + std::to_string(i));
            expect_documented_trace(read_npz_trace(dir + "/" + kind + "_" + std::to_string(i) + ".npz"), true);
        }
}

TEST(NpzTrace, OptionalEntriesHaveDefaults) {
    MOE_REQUIRE_NUMPY();
    const std::string dir = test::temp_dir();
    ASSERT_TRUE(test::run_numpy_script(dir, R"(
np.savez(f'{out}/bare.npz', experts=np.array([[[5, 1]], [[2, 7]]], dtype=np.int32))
np.save(f'{out}/bare.npy', np.array([[[5, 1]], [[2, 7]]], dtype=np.int16))
np.savez(f'{out}/probs.npz', experts=np.array([[[0]]]), probs=np.zeros((1, 1, 6), np.float32), model=np.bytes_(b'olmoe'))
)"));
    for (const RoutingTable& t : {read_npz_trace(dir + "/bare.npz"), read_npy_trace(dir + "/bare.npy")}) {
        EXPECT_EQ(t.n_expert, 8);  // the largest id + 1
        EXPECT_EQ(t.layers, (std::vector<int>{0}));
        EXPECT_EQ(t.token_ids, (std::vector<int32_t>{-1, -1}));
        EXPECT_EQ(t.positions, (std::vector<int32_t>{0, 1}));
        EXPECT_TRUE(t.weights.empty());
        EXPECT_TRUE(t.probs.empty());
    }
    const RoutingTable with_probs = read_npz_trace(dir + "/probs.npz");
    EXPECT_EQ(with_probs.n_expert, 6);  // probs' last axis
    EXPECT_EQ(with_probs.model, "olmoe");
}

TEST(NpzTrace, ProgressReachesOneAndCancelLeavesNothing) {
    MOE_REQUIRE_NUMPY();
    const std::string dir = test::temp_dir();
    ASSERT_TRUE(test::run_numpy_script(dir, std::string(kDocumentedTrace) +
                                                "np.savez(f'{out}/t.npz', experts=experts, weights=weights, **meta)\n"));
    double last = 0;
    read_npz_trace(dir + "/t.npz", [&](double f) { return last = f, true; });
    EXPECT_EQ(last, 1.0);
    EXPECT_THROW(read_npz_trace(dir + "/t.npz", [](double) { return false; }), ReadCancelled);
}

TEST(NpzTrace, WrittenFileRoundTripsAndNumpyReadsIt) {
    RoutingTable t;
    t.n_expert = 4;
    t.max_k = 2;
    t.layers = {1, 3};
    t.model = "Qwen3 ünï";
    t.token_ids = {10, -1, 12};  // -1: unknown
    t.positions = {5, 6, 0};
    t.sequences = {0, 0, 1};
    t.texts = {"He", "llo", ""};
    t.experts = {3, 1, 0, 2, 1, 3, 2, 0, 0, 1, 3, 2};
    t.weights = {0.75f, 0.25f, 0.5f, 0.5f, 1, 0, 0.6f, 0.4f, 0.9f, 0.1f, 0.3f, 0.7f};
    const std::string dir = test::temp_dir();
    for (bool compress : {false, true}) {
        const std::string path = dir + (compress ? "/deflated.npz" : "/stored.npz");
        write_npz_trace(path, t, compress);
        const RoutingTable back = read_npz_trace(path);
        EXPECT_EQ(back.experts, t.experts);
        EXPECT_EQ(back.weights, t.weights);
        EXPECT_EQ(back.layers, t.layers);
        EXPECT_EQ(back.model, t.model);
        EXPECT_EQ(back.token_ids, t.token_ids);
        EXPECT_EQ(back.positions, t.positions);
        EXPECT_EQ(back.sequences, t.sequences);
        EXPECT_EQ(back.texts, t.texts);
        EXPECT_EQ(back.n_expert, 4);
    }
    if (!test::numpy_available()) GTEST_SKIP() << "numpy not found: the NumPy side of the round trip was not checked";
    EXPECT_TRUE(test::run_numpy_script(dir, R"(
for name in ('stored', 'deflated'):
    z = np.load(f'{out}/{name}.npz')
    assert z['experts'].dtype == np.int16 and z['experts'].shape == (3, 2, 2), z['experts']
    assert z['experts'][2, 1].tolist() == [3, 2]
    assert abs(z['weights'][0, 1, 0] - 0.5) < 1e-7
    assert z['seq_starts'].tolist() == [0, 2] and z['layers'].tolist() == [1, 3]
    assert z['token_texts'].tolist() == [b'He', b'llo', b''] and str(z['model']) == 'Qwen3 ünï'
    assert int(z['n_experts']) == 4 and z['positions'].tolist() == [5, 6, 0]
    assert z['token_ids'].tolist() == [10, -1, 12]
)"));
}

// fuzz_routing_csv finding crash-dc52e24f: a token text ending in NUL bytes (the byte-fallback
// token <0x00>, or a CSV's \x00) was written into |S, whose padding NumPy and our reader strip,
// so the file read back differently from what was written. The writer drops them itself.
TEST(NpzTrace, FuzzCrashDc52e24fTrailingNulBytesAreNotStored) {
    RoutingTable t;
    t.n_expert = 2;
    t.max_k = 1;
    t.layers = {0};
    t.token_ids = {3, 3 + 0x41};
    t.positions = {0, 1};
    t.sequences = {0, 0};
    t.texts = {std::string("\0", 1), std::string("A\0\0", 3)};
    t.experts = {1, 0};
    RoutingTable stripped = t;
    stripped.texts = {"", "A"};
    EXPECT_EQ(npz_trace_bytes(t, false), npz_trace_bytes(stripped, false));
    const std::string path = test::temp_dir() + "/trailing-nul.npz";
    write_npz_trace(path, t, false);
    EXPECT_EQ(read_npz_trace(path).texts, (std::vector<std::string>{"", "A"}));
    EXPECT_EQ(read_npz_trace(path).token_ids, (std::vector<int32_t>{3, 3 + 0x41}));  // the exact reference
}

// Bad input: one line naming the file and the problem.
using TraceReader = RoutingTable (*)(const std::string&, const ReadProgress&);

std::string error_of(const std::string& path, TraceReader read) {
    try {
        read(path, {});
    } catch (const std::runtime_error& e) {
        return e.what();
    }
    return "(no error)";
}

void expect_error(const std::string& path, const std::string& problem, TraceReader read = read_npz_trace) {
    const std::string message = error_of(path, read);
    EXPECT_EQ(message.rfind(path + ": ", 0), 0u) << message;
    EXPECT_NE(message.find(problem), std::string::npos) << message;
    EXPECT_EQ(message.find('\n'), std::string::npos) << message;
}

// fuzz_npz_trace finding oom-4b631b8c: a 100-byte .npy whose header declares experts of shape
// [777777, 7772, 2] (48 359 062 752 bytes of <i4) made the reader allocate and clear that much
// before reading a byte of data. The declared data must fit in the bytes that follow the header.
std::string npy_header_only(const std::string& shape, const std::string& data) {
    const std::string dict = "{'descr': '<i4', 'fortran_order': False, 'shape': " + shape + ", }\n";
    return std::string("\x93NUMPY\x01\x00", 8) + static_cast<char>(dict.size()) + '\0' + dict + data;
}

TEST(NpzTrace, FuzzOom4b631b8cDeclaredShapeLargerThanTheFileIsRefused) {
    const std::string dir = test::temp_dir();
    const std::string eight_bytes("\x01\x00\x00\x00\x02\x00\x00\x00", 8);
    const std::string npy = npy_header_only("(777777, 7772, 2)", eight_bytes);
    const std::string npy_path = dir + "/oom-4b631b8c.npy";
    std::ofstream(npy_path, std::ios::binary) << npy;
    expect_error(npy_path, "has shape [777777, 7772, 2] of '<i4' but only 8 bytes of data follow", read_npy_trace);

    for (const bool deflate : {false, true}) {
        ZipWriter zip;
        zip.add("experts.npy", npy, deflate);
        const std::string npz_path = dir + (deflate ? "/oom-deflated.npz" : "/oom-stored.npz");
        std::ofstream(npz_path, std::ios::binary) << zip.finish();
        expect_error(npz_path, "'experts' has shape [777777, 7772, 2] of '<i4' but only 8 bytes of data follow");
    }
    // The same shape with every byte present would be read; one element short is refused.
    const std::string one_short = dir + "/one-short.npy";
    std::ofstream(one_short, std::ios::binary) << npy_header_only("(1, 1, 3)", eight_bytes);
    expect_error(one_short, "has shape [1, 1, 3] of '<i4' but only 8 bytes of data follow", read_npy_trace);
}

// A deflated entry cannot inflate to more than 1032 times its compressed size (deflate's
// longest match, 258 bytes, in two bits); a larger declared size is a forged header.
TEST(NpzTrace, DeflatedEntryDeclaringMoreThanDeflateCanHoldIsRefused) {
    ZipWriter zip;
    zip.add("experts.npy", npy_header_only("(1, 1, 2)", std::string(8, '\0')), true);
    std::string bytes = zip.finish();
    // The central directory record's uncompressed size (offset 24 in it) becomes 4 GiB - 2.
    const size_t central = bytes.find(std::string("PK\x01\x02", 4));
    ASSERT_NE(central, std::string::npos);
    for (int i = 0; i < 4; ++i) bytes[central + 24 + i] = static_cast<char>(i == 0 ? 0xFE : 0xFF);
    const std::string path = test::temp_dir() + "/forged-size.npz";
    std::ofstream(path, std::ios::binary) << bytes;
    expect_error(path, "declares 4294967294 bytes, more than its");
}

TEST(NpzTrace, BadInputGetsOneLineErrors) {
    MOE_REQUIRE_NUMPY();
    const std::string dir = test::temp_dir();
    ASSERT_TRUE(test::run_numpy_script(dir, std::string(kDocumentedTrace) + R"(
def save(name, **changes):
    arrays = dict(experts=experts, weights=weights, **meta)
    arrays.update(changes)
    np.savez_compressed(f'{out}/{name}.npz', **{k: v for k, v in arrays.items() if v is not None})
save('weights_shape', weights=np.zeros((3, 2, 3)))
save('token_ids_shape', token_ids=np.array([1, 2]))
save('probs_experts', probs=np.zeros((3, 2, 5)))
big = experts.copy(); big[1, 0, 1] = 4
save('too_big', experts=big)
negative = experts.copy(); negative[2, 1, 0] = -3
save('negative', experts=negative)
save('negative_i4', experts=negative.astype('<i4'))
save('negative_i2', experts=negative.astype('<i2'))
repeated = experts.copy(); repeated[1, 1, 1] = 2  # token 1, layer 1 becomes [2, 2]
save('fuzz_crash_85975abc_repeated', experts=repeated)
save('fuzz_crash_c1453249_no_tokens', experts=experts[:0])  # gave a table with n_expert 0
largest = experts.copy(); largest[1, 0, 1] = 65534  # 0xFFFF marks an empty slot, so 65534 experts at most
save('fuzz_crash_35bcb016_largest_id', experts=largest.astype('<u2'), n_experts=None)
save('n_experts_65535', n_experts=65535)
save('float_experts', experts=experts.astype(np.float32))
save('big_endian', experts=experts.astype('>i4'))
save('complex_weights', weights=weights.astype(np.complex64))
save('fortran', experts=np.asfortranarray(experts))
save('two_d', experts=experts[:, :, 0])
save('missing', experts=None)
save('layers_down', layers=np.array([3, 1]))
save('runs', seq_starts=np.array([1, 2]))
np.savez(f'{out}/good.npz', experts=experts)
data = open(f'{out}/good.npz', 'rb').read()
open(f'{out}/truncated.npz', 'wb').write(data[:len(data) // 2])
open(f'{out}/cut_entry.npz', 'wb').write(data[:40] + data[-200:])
)"));
    expect_error(dir + "/weights_shape.npz", "'weights' has shape [3, 2, 3], expected [3, 2, 2]");
    expect_error(dir + "/token_ids_shape.npz", "'token_ids' has shape [2], expected [3]");
    expect_error(dir + "/probs_experts.npz", "'probs' has shape [3, 2, 5], expected [3, 2, 4]");
    expect_error(dir + "/too_big.npz", "holds expert 4 at token 1, MoE layer 0, but n_experts is 4");
    for (const char* name : {"/negative.npz", "/negative_i4.npz", "/negative_i2.npz"})
        expect_error(dir + name, "holds the negative expert id -3 at token 2, MoE layer 1");
    // fuzz_npz_trace finding crash-85975abc: a repeated expert in one chosen set was accepted.
    expect_error(dir + "/fuzz_crash_85975abc_repeated.npz", "chooses expert 2 twice at token 1, MoE layer 1");
    // fuzz_npz_trace finding crash-c1453249: no tokens read as a table with n_expert 0.
    expect_error(dir + "/fuzz_crash_c1453249_no_tokens.npz",
                 "'experts' has shape [0, 2, 2], expected experts [tokens, moe_layers, k] with tokens, moe_layers, k >= 1");
    // fuzz_npz_trace finding crash-35bcb016: without n_experts, expert 65534 gave n_expert 65535.
    expect_error(dir + "/fuzz_crash_35bcb016_largest_id.npz",
                 "holds expert 65534 at token 1, MoE layer 0, above the largest supported id");
    expect_error(dir + "/n_experts_65535.npz", "is 65535, expected 1..65534");
    expect_error(dir + "/float_experts.npz", "has dtype '<f4', expected an integer dtype");
    expect_error(dir + "/big_endian.npz", "dtype '>i4' is big-endian");
    expect_error(dir + "/complex_weights.npz", "unsupported dtype '<c8'");
    expect_error(dir + "/fortran.npz", "Fortran order");
    expect_error(dir + "/two_d.npz", "'experts' has shape [3, 2], expected experts [tokens, moe_layers, k]");
    expect_error(dir + "/missing.npz", "has no 'experts' array");
    expect_error(dir + "/layers_down.npz", "'layers' must hold ascending block indices");
    expect_error(dir + "/runs.npz", "'seq_starts' must start at 0");
    expect_error(dir + "/truncated.npz", "truncated");
    expect_error(dir + "/cut_entry.npz", "zip");
    expect_error(dir + "/absent.npz", "cannot open the file");
}

}  // namespace
}  // namespace moe::import
