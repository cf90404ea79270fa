// The expert-cache simulation: replays chosen sets through a cache of `capacity` experts, as
// an inference engine that keeps only some experts in fast memory would.
// Token t requests E_t; its hits are |E_t ∩ cache| before anything is inserted; then every
// expert of E_t becomes resident, evicting (when full) among the residents not in E_t:
//   lru:    least recently requested; ties to the lower id
//   lfu:    fewest requests so far (counted over the whole trace, resident or not); ties to
//           the least recently requested, then the lower id
//   oracle: next request farthest in the future, never = infinitely far; ties to the lower id
#pragma once

#include <cstdint>
#include <vector>

#include "analysis/routing_table.h"

namespace moe::analysis {

enum class CachePolicy { lru, lfu, oracle };

class ExpertCache {
public:
    static constexpr uint32_t kNever = UINT32_MAX;

    // Throws std::invalid_argument when capacity < 1.
    ExpertCache(int n_expert, int capacity, CachePolicy policy);

    // Requests one token's chosen set (distinct ids, size <= capacity); returns its hits.
    // The oracle needs next_request[i]: the index of the next token whose set holds set[i]
    // (kNever if none); the indices only have to grow in request order.
    int request(const ExpertId* set, int size, const uint32_t* next_request = nullptr);

    int64_t hits() const { return hits_; }
    int64_t requests() const { return requests_; }
    double hit_rate() const { return requests_ ? static_cast<double>(hits_) / static_cast<double>(requests_) : 0.0; }

private:
    // Eviction order of LFU and the oracle: the resident with the smallest key goes first.
    struct Key {
        uint64_t major = 0, minor = 0;
        bool operator<(const Key& o) const { return major < o.major || (major == o.major && minor < o.minor); }
    };
    void request_lru(const ExpertId* set, int size);
    void request_heap(const ExpertId* set, int size, int hits, const uint32_t* next_request);
    Key key_for(ExpertId e) const;
    void push(ExpertId e);
    ExpertId pop();
    void sift_up(size_t i);
    void sift_down(size_t i);
    void place(size_t i, ExpertId e);
    void unlink(ExpertId e);
    void append(ExpertId e);

    int capacity_;
    CachePolicy policy_;
    uint64_t time_ = 0;
    int64_t hits_ = 0, requests_ = 0;
    std::vector<uint8_t> resident_;   // (n_expert)
    // LRU: residents in a doubly linked list, least recent first; node n_expert is the head.
    std::vector<int32_t> prev_, next_in_list_;  // (n_expert + 1)
    int list_size_ = 0;
    std::vector<ExpertId> sorted_;    // the current set in ascending id order
    // LFU and oracle: residents in a binary min-heap on key_.
    std::vector<ExpertId> heap_;
    std::vector<int32_t> slot_;       // (n_expert) index in heap_
    std::vector<Key> key_;            // (n_expert)
    std::vector<uint64_t> last_;      // (n_expert) time of the last request
    std::vector<uint64_t> count_;     // (n_expert) requests so far
    std::vector<uint32_t> next_;      // (n_expert) oracle: next request
};

}  // namespace moe::analysis
