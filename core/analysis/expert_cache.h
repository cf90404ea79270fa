// The expert-cache simulation: replays chosen sets through a cache of C experts, as an
// inference engine that keeps only some experts in fast memory would, for every C up to a
// largest capacity in one pass.
// Token t requests E_t; its hits are |E_t ∩ cache| before anything is inserted; then every
// expert of E_t becomes resident, evicting (when full) among the residents not in E_t:
//   lru:    least recently requested; ties to the lower id
//   lfu:    fewest requests so far (counted over the whole trace, resident or not); ties to
//           the least recently requested, then the lower id
//   oracle: next request farthest in the future, never = infinitely far; ties to the lower id
// Each rule ranks the experts by a key that does not depend on C, so a cache of C holds a
// subset of a cache of C + 1 at all times (the inclusion property of Mattson's stack
// algorithms). One stack then serves every size: the cache of C is the stack's first C
// entries, and after a request the stack is E_t followed by, for each C, the best of what
// the old first C entries held besides E_t.
#pragma once

#include <cstdint>
#include <vector>

#include "analysis/routing_table.h"

namespace moe::analysis {

enum class CachePolicy { lru, lfu, oracle };

class ExpertCache {
public:
    static constexpr uint32_t kNever = UINT32_MAX;

    // Throws std::invalid_argument when max_capacity < 1.
    ExpertCache(int n_expert, int max_capacity, CachePolicy policy);

    // Requests one token's chosen set (distinct ids). The oracle needs next_request[i]: the
    // index of the next token whose set holds set[i] (kNever if none); the indices only have
    // to grow in request order.
    void request(const ExpertId* set, int size, const uint32_t* next_request = nullptr);

    // Hits of a cache of `capacity` experts (1 … max_capacity). Throws std::invalid_argument
    // for a capacity outside that range or below the largest set requested (a token's
    // experts must all fit).
    int64_t hits(int capacity) const;
    int64_t requests() const { return requests_; }
    double hit_rate(int capacity) const;

private:
    // Eviction order: the expert with the smaller key goes first. One 128-bit integer, so a
    // comparison is one branch (the walk's branches are what it costs).
    __extension__ using Key = unsigned __int128;
    Key key_for(ExpertId e) const;
    void restack(const ExpertId* set, int size);
    void move_to_top(const ExpertId* set, int size);
    void place_set_on_top(const ExpertId* set, int size);

    int max_capacity_;
    CachePolicy policy_;
    uint64_t time_ = 0;
    int64_t requests_ = 0;
    int largest_set_ = 0;
    std::vector<int64_t> hits_at_depth_;  // (max_capacity) requests found at stack index d
    std::vector<ExpertId> stack_;         // at most max_capacity entries, best kept first
    std::vector<int32_t> depth_;          // (n_expert) index in stack_, -1 when not in it
    std::vector<uint8_t> in_set_;         // (n_expert) member of the set being requested
    std::vector<Key> key_;                // (n_expert)
    std::vector<uint64_t> last_;          // (n_expert) time of the last request
    std::vector<uint64_t> count_;         // (n_expert) requests so far
    std::vector<uint32_t> next_;          // (n_expert) oracle: next request
    std::vector<ExpertId> waiting_;       // restack's room for displaced experts
};

}  // namespace moe::analysis
