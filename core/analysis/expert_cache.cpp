#include "analysis/expert_cache.h"

#include <algorithm>
#include <functional>
#include <stdexcept>
#include <string>

namespace moe::analysis {

ExpertCache::ExpertCache(int n_expert, int max_capacity, CachePolicy policy)
    : max_capacity_(max_capacity), policy_(policy) {
    if (max_capacity < 1) throw std::invalid_argument("cache size " + std::to_string(max_capacity) + " is below 1");
    const size_t n = static_cast<size_t>(n_expert);
    hits_at_depth_.assign(static_cast<size_t>(max_capacity), 0);
    depth_.assign(n, -1);
    in_set_.assign(n, 0);
    key_.resize(n);
    last_.assign(n, 0);
    count_.assign(n, 0);
    next_.assign(n, kNever);
    stack_.reserve(std::min(n, static_cast<size_t>(max_capacity)));
    waiting_.resize(2 * static_cast<size_t>(max_capacity) + 1);  // old stack + set: every expert waits once at most
}

void ExpertCache::request(const ExpertId* set, int size, const uint32_t* next_request) {
    if (size > max_capacity_)
        throw std::invalid_argument("a chosen set of " + std::to_string(size) + " experts does not fit a cache of " +
                                    std::to_string(max_capacity_));
    ++time_;
    for (int i = 0; i < size; ++i) {
        const int32_t depth = depth_[set[i]];
        if (depth >= 0) ++hits_at_depth_[static_cast<size_t>(depth)];
    }
    for (int i = 0; i < size; ++i) {
        const ExpertId e = set[i];
        last_[e] = time_;
        ++count_[e];
        if (next_request) next_[e] = next_request[i];
        key_[e] = key_for(e);
        in_set_[e] = 1;
    }
    if (policy_ == CachePolicy::lru) {
        move_to_top(set, size);
    } else {
        restack(set, size);
    }
    for (int i = 0; i < size; ++i) in_set_[set[i]] = 0;
    requests_ += size;
    largest_set_ = std::max(largest_set_, size);
}

// For every C: new first C = the set + the best (C − |set|) of what the old first C held
// besides the set. Walking down the old stack with the displaced experts waiting, the
// entry at index d is the old one when it beats every displaced expert, else the best
// displaced one (and the old one joins them). A set member passed on the way leaves a place
// for the best displaced expert. The walk ends when nothing is displaced any more.
void ExpertCache::restack(const ExpertId* set, int size) {
    const size_t m = static_cast<size_t>(size), old_size = stack_.size();
    // Waiting (displaced) experts, best first, in waiting[begin, end); an expert joins from the
    // back, usually without moving the others since the stack is mostly in key order.
    ExpertId* waiting = waiting_.data();
    size_t begin = 0, end = 0;
    auto wait = [&](ExpertId e) {
        const Key key = key_[e];
        size_t i = end++;
        for (; i > begin && key_[waiting[i - 1]] < key; --i) waiting[i] = waiting[i - 1];
        waiting[i] = e;
    };
    for (size_t d = 0; d < std::min(m, old_size); ++d)
        if (!in_set_[stack_[d]]) wait(stack_[d]);
    if (stack_.size() < m) stack_.resize(m);
    place_set_on_top(set, size);
    ExpertId* stack = stack_.data();
    for (size_t d = m; d < old_size && begin < end; ++d) {
        const ExpertId old = stack[d], best = waiting[begin];
        const bool member = in_set_[old];
        if (!member && key_[best] < key_[old]) continue;
        ++begin;
        if (!member) wait(old);
        stack[d] = best;
        depth_[best] = static_cast<int32_t>(d);
    }
    // Displaced experts still waiting go below the old bottom while there is room.
    for (; begin < end; ++begin) {
        const ExpertId e = waiting[begin];
        if (stack_.size() < static_cast<size_t>(max_capacity_)) {
            depth_[e] = static_cast<int32_t>(stack_.size());
            stack_.push_back(e);
        } else {
            depth_[e] = -1;
        }
    }
}

// LRU keys grow with time, so the stack stays in key order and the walk above reduces to
// taking the set out and putting it on top: every entry down to the deepest set member (the
// whole stack when a member was not in it) moves down by the set members not above it.
void ExpertCache::move_to_top(const ExpertId* set, int size) {
    const size_t m = static_cast<size_t>(size), old_size = stack_.size();
    size_t present = 0, deepest = 0;
    for (int i = 0; i < size; ++i)
        if (depth_[set[i]] >= 0) {
            ++present;
            deepest = std::max(deepest, static_cast<size_t>(depth_[set[i]]));
        }
    const size_t end = present < m ? old_size : deepest + 1;
    const size_t new_size = std::min(static_cast<size_t>(max_capacity_), old_size + (m - present));
    if (stack_.size() < new_size) stack_.resize(new_size);
    size_t members_above = present;  // set members nearer the top than index r
    for (size_t r = end; r-- > 0;) {
        const ExpertId e = stack_[r];
        if (in_set_[e]) {
            --members_above;
            continue;
        }
        const size_t to = m + r - members_above;
        if (to < new_size) {
            stack_[to] = e;
            depth_[e] = static_cast<int32_t>(to);
        } else {
            depth_[e] = -1;
        }
    }
    place_set_on_top(set, size);
}

// The set's order on top matters only to LRU (its stack stays in key order: equal times,
// so the higher id first); the other walks take any order.
void ExpertCache::place_set_on_top(const ExpertId* set, int size) {
    ExpertId* top = stack_.data();
    std::copy(set, set + size, top);
    if (policy_ == CachePolicy::lru) std::sort(top, top + size, std::greater<ExpertId>());
    for (int d = 0; d < size; ++d) depth_[top[d]] = d;
}

ExpertCache::Key ExpertCache::key_for(ExpertId e) const {
    switch (policy_) {
        case CachePolicy::lru: return Key{last_[e]} << 16 | e;
        case CachePolicy::lfu: return Key{count_[e]} << 80 | Key{last_[e]} << 16 | e;
        case CachePolicy::oracle: break;
    }
    return Key{kNever - next_[e]} << 16 | e;  // farthest next request first
}

int64_t ExpertCache::hits(int capacity) const {
    if (capacity < 1 || capacity > max_capacity_)
        throw std::invalid_argument("cache size " + std::to_string(capacity) + " is outside 1 … " +
                                    std::to_string(max_capacity_));
    if (capacity < largest_set_)
        throw std::invalid_argument("a chosen set of " + std::to_string(largest_set_) + " experts does not fit a cache of " +
                                    std::to_string(capacity));
    int64_t hits = 0;
    for (int d = 0; d < capacity; ++d) hits += hits_at_depth_[static_cast<size_t>(d)];
    return hits;
}

double ExpertCache::hit_rate(int capacity) const {
    const int64_t found = hits(capacity);
    return requests_ ? static_cast<double>(found) / static_cast<double>(requests_) : 0.0;
}

}  // namespace moe::analysis
