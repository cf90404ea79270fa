// matvec_batch, whose jobs' activations are prepared and quantized inside its parallel loop by
// the first thread to reach each job: every job against its own matvec, on 1, 2 and 3 threads,
// in the default and the exact mode, in one even share per thread (small batches) and in guided
// chunks (large ones); prepare runs once per distinct activation; a failing prepare surfaces as
// the batch's error.
#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <memory>
#include <mutex>
#include <random>
#include <set>
#include <stdexcept>
#include <thread>
#include <vector>

#include "models/layer_kernels.h"
#include "parallel/thread_pool.h"
#include "quant/quant_test_util.h"

namespace moe {
namespace {

struct Matrix {
    std::vector<uint8_t> bytes;
    WeightMatrix w;
};

Matrix random_matrix(GgmlType type, int64_t rows, int64_t cols, std::mt19937& rng) {
    Matrix m;
    const size_t stride = row_bytes(type, cols);
    for (int64_t r = 0; r < rows; ++r) {
        const std::vector<uint8_t> row = quant::test::random_row(type, cols, rng);
        m.bytes.insert(m.bytes.end(), row.begin(), row.end());
    }
    m.w = WeightMatrix{type, m.bytes.data(), cols, rows, stride};
    return m;
}

// Six jobs as a decode's MoE layer has them: a gate and an up product sharing one input, two
// down products with inputs of their own (one Q5_0, one Q8_0), and two types that read the same
// input in different activation formats (Q4_K then Q6_K: Q8_K, so shared; Q8_0: its own).
struct Batch {
    std::vector<Matrix> matrices;
    std::vector<std::vector<float>> inputs;  // inputs[k]: what prepare writes into x_k
    std::vector<std::vector<float>> x;       // the buffers the jobs read
    std::vector<std::vector<float>> y;
    std::vector<MatvecJob> jobs;
    std::vector<size_t> input_of;  // job -> k

    Batch() {
        std::mt19937 rng(7);
        std::normal_distribution<float> normal(0.0f, 1.0f);
        const struct { GgmlType type; int64_t rows, cols; size_t input; } specs[] = {
            {GgmlType::Q4_K, 40, 256, 0}, {GgmlType::Q4_K, 40, 256, 0}, {GgmlType::Q5_0, 24, 96, 1},
            {GgmlType::Q8_0, 24, 96, 2},  {GgmlType::Q6_K, 33, 512, 3}, {GgmlType::Q8_0, 20, 512, 3}};
        for (size_t k = 0; k < 4; ++k) {
            const int64_t cols = k == 0 ? 256 : k == 3 ? 512 : 96;
            inputs.emplace_back(cols);
            for (float& v : inputs.back()) v = normal(rng);
            x.emplace_back(cols, 0.0f);
        }
        for (const auto& s : specs) {
            matrices.push_back(random_matrix(s.type, s.rows, s.cols, rng));
            y.emplace_back(s.rows, 0.0f);
            input_of.push_back(s.input);
        }
        for (size_t j = 0; j < matrices.size(); ++j) jobs.push_back({matrices[j].w, x[input_of[j]].data(), y[j].data()});
    }
};

// Each job alone through matvec on one thread, its input already in place.
std::vector<std::vector<float>> one_by_one(Batch& batch) {
    for (size_t k = 0; k < batch.inputs.size(); ++k) batch.x[k] = batch.inputs[k];
    ThreadPool one(1);
    std::vector<std::vector<float>> y;
    for (const MatvecJob& job : batch.jobs) {
        y.emplace_back(job.w.rows);
        matvec(job.w, job.x, y.back().data(), one);
    }
    return y;
}

void expect_batch_equals_each_product(bool exact) {
    const ExactActivations mode(exact);
    Batch batch;
    const std::vector<std::vector<float>> expected = one_by_one(batch);
    for (int threads : {1, 2, 3}) {
        for (auto& x : batch.x) std::fill(x.begin(), x.end(), 0.0f);
        std::vector<std::atomic<int>> calls(batch.jobs.size());
        std::mutex mutex;
        std::set<std::thread::id> preparers;
        ThreadPool pool(threads);
        matvec_batch(batch.jobs, pool, [&](size_t job) {
            ++calls[job];
            {
                const std::lock_guard<std::mutex> lock(mutex);
                preparers.insert(std::this_thread::get_id());
            }
            // holds the thread at the first job, so that the others reach (and prepare) the rest
            if (job == 0) std::this_thread::sleep_for(std::chrono::milliseconds(20));
            batch.x[batch.input_of[job]] = batch.inputs[batch.input_of[job]];
        });
        EXPECT_EQ(batch.y, expected) << threads << " threads, exact " << exact;
        EXPECT_GE(preparers.size(), threads == 1 ? 1u : 2u) << threads << " threads";  // workers prepared some
        // once for each distinct input, for its first job: the up job shares the gate's input, and
        // the Q8_0 job reads the Q6_K job's (in its own format, but prepared once)
        const std::vector<int> once = {1, 0, 1, 1, 1, 0};
        for (size_t j = 0; j < calls.size(); ++j) EXPECT_EQ(calls[j].load(), once[j]) << "job " << j;
    }
}

TEST(MatvecBatch, PreparedInTheLoopEachJobEqualsItsOwnMatvec) { expect_batch_equals_each_product(false); }

// Batches of 1 MiB or more go in guided chunks rather than one even share per thread (the batch
// above is far smaller): the same rows either way.
TEST(MatvecBatch, ALargeBatchInGuidedChunksEqualsEachProduct) {
    std::mt19937 rng(11);
    std::normal_distribution<float> normal(0.0f, 1.0f);
    std::vector<float> x(2048);
    for (float& v : x) v = normal(rng);
    std::vector<Matrix> matrices;
    matrices.push_back(random_matrix(GgmlType::Q4_K, 400, 2048, rng));
    matrices.push_back(random_matrix(GgmlType::Q4_K, 400, 2048, rng));
    matrices.push_back(random_matrix(GgmlType::Q8_0, 208, 2048, rng));
    size_t bytes = 0;
    for (const Matrix& m : matrices) bytes += m.bytes.size();
    ASSERT_GE(bytes, size_t{1} << 20);
    ThreadPool one(1), pool(2);
    std::vector<std::vector<float>> expected, y;
    std::vector<MatvecJob> jobs;
    for (const Matrix& m : matrices) {
        expected.emplace_back(m.w.rows);
        matvec(m.w, x.data(), expected.back().data(), one);
        y.emplace_back(m.w.rows, 0.0f);
        jobs.push_back({m.w, x.data(), y.back().data()});
    }
    matvec_batch(jobs, pool);
    EXPECT_EQ(y, expected);
}

// The exact mode is a setting of the calling thread: jobs made ready on the workers follow it.
TEST(MatvecBatch, WorkersKeepTheCallersExactMode) {
    expect_batch_equals_each_product(true);
    Batch batch;
    const ExactActivations exact(true);
    const std::vector<std::vector<float>> exact_y = one_by_one(batch);
    const ExactActivations quantized(false);
    EXPECT_NE(one_by_one(batch), exact_y);  // so the check above can tell the modes apart
}

TEST(MatvecBatch, AFailingPrepareIsTheBatchsErrorAndThePoolStaysUsable) {
    Batch batch;
    ThreadPool pool(2);
    EXPECT_THROW(matvec_batch(batch.jobs, pool,
                              [&](size_t job) {
                                  if (job == 2) throw std::runtime_error("no activation");
                                  batch.x[batch.input_of[job]] = batch.inputs[batch.input_of[job]];
                              }),
                 std::runtime_error);
    const std::vector<std::vector<float>> expected = one_by_one(batch);
    matvec_batch(batch.jobs, pool);
    EXPECT_EQ(batch.y, expected);
}

}  // namespace
}  // namespace moe
