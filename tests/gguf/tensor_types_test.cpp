#include <gtest/gtest.h>

#include <stdexcept>

#include "gguf/tensor_types.h"

namespace moe {
namespace {

struct ExpectedType {
    uint32_t id;
    const char* name;
    int64_t block_size;
    int64_t type_size;
};

// Reference §4.1, typed in by hand.
constexpr ExpectedType kExpected[] = {
    {0, "f32", 1, 4},          {1, "f16", 1, 2},          {2, "q4_0", 32, 18},      {3, "q4_1", 32, 20},
    {6, "q5_0", 32, 22},       {7, "q5_1", 32, 24},       {8, "q8_0", 32, 34},      {9, "q8_1", 32, 36},
    {10, "q2_K", 256, 84},     {11, "q3_K", 256, 110},    {12, "q4_K", 256, 144},   {13, "q5_K", 256, 176},
    {14, "q6_K", 256, 210},    {15, "q8_K", 256, 292},    {16, "iq2_xxs", 256, 66}, {17, "iq2_xs", 256, 74},
    {18, "iq3_xxs", 256, 98},  {19, "iq1_s", 256, 50},    {20, "iq4_nl", 32, 18},   {21, "iq3_s", 256, 110},
    {22, "iq2_s", 256, 82},    {23, "iq4_xs", 256, 136},  {24, "i8", 1, 1},         {25, "i16", 1, 2},
    {26, "i32", 1, 4},         {27, "i64", 1, 8},         {28, "f64", 1, 8},        {29, "iq1_m", 256, 56},
    {30, "bf16", 1, 2},        {34, "tq1_0", 256, 54},    {35, "tq2_0", 256, 66},   {39, "mxfp4", 32, 17},
};

TEST(TensorTypes, EveryKnownTypeMatchesTheReferenceTable) {
    for (const ExpectedType& e : kExpected) {
        const TypeTraits* t = type_traits(e.id);
        ASSERT_NE(t, nullptr) << "id " << e.id;
        EXPECT_STREQ(t->name, e.name);
        EXPECT_EQ(t->block_size, e.block_size) << e.name;
        EXPECT_EQ(t->type_size, e.type_size) << e.name;
        EXPECT_EQ(type_name(e.id), e.name);
    }
}

TEST(TensorTypes, RemovedAndUnknownIdsHaveNoTraits) {
    for (uint32_t id : {4u, 5u, 31u, 32u, 33u, 36u, 37u, 38u, 40u, 41u, 42u, 1000u, 0xFFFFFFFFu}) {
        EXPECT_EQ(type_traits(id), nullptr) << "id " << id;
    }
    EXPECT_EQ(type_name(77u), "type 77");
    // Exactly the ids of the table above are known.
    int known = 0;
    for (uint32_t id = 0; id < 256; ++id) known += type_traits(id) != nullptr;
    EXPECT_EQ(known, static_cast<int>(std::size(kExpected)));
}

TEST(TensorTypes, EnumMatchesIds) {
    EXPECT_EQ(type_name(GgmlType::Q4_K), "q4_K");
    EXPECT_EQ(type_name(GgmlType::MXFP4), "mxfp4");
    EXPECT_EQ(type_name(GgmlType::BF16), "bf16");
    EXPECT_EQ(type_name(GgmlType::IQ4_NL), "iq4_nl");
}

TEST(TensorTypes, RowBytes) {
    EXPECT_EQ(row_bytes(GgmlType::F32, 7), 28u);
    EXPECT_EQ(row_bytes(GgmlType::F16, 2048), 4096u);
    EXPECT_EQ(row_bytes(GgmlType::Q8_0, 64), 68u);
    EXPECT_EQ(row_bytes(GgmlType::Q4_K, 2048), 8u * 144u);
    EXPECT_EQ(row_bytes(GgmlType::Q6_K, 256), 210u);
    EXPECT_EQ(row_bytes(GgmlType::MXFP4, 2880), 90u * 17u);
    EXPECT_EQ(row_bytes(GgmlType::Q5_0, 1408), 44u * 22u);
    EXPECT_EQ(row_bytes(GgmlType::Q4_K, 0), 0u);
    EXPECT_THROW(row_bytes(GgmlType::Q4_K, 100), std::invalid_argument);
    EXPECT_THROW(row_bytes(static_cast<GgmlType>(4), 32), std::invalid_argument);
}

}  // namespace
}  // namespace moe
