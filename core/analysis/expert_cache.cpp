#include "analysis/expert_cache.h"

#include <stdexcept>
#include <string>

namespace moe::analysis {

ExpertCache::ExpertCache(int n_expert, int capacity, CachePolicy policy)
    : capacity_(capacity), policy_(policy), slot_(static_cast<size_t>(n_expert), -1),
      key_(static_cast<size_t>(n_expert)), last_(static_cast<size_t>(n_expert), 0),
      count_(static_cast<size_t>(n_expert), 0), next_(static_cast<size_t>(n_expert), kNever),
      stamp_(static_cast<size_t>(n_expert), 0) {
    if (capacity < 1) throw std::invalid_argument("cache size " + std::to_string(capacity) + " is below 1");
    heap_.reserve(static_cast<size_t>(capacity) + 1);
}

ExpertCache::Key ExpertCache::key_for(ExpertId e) const {
    switch (policy_) {
        case CachePolicy::lru:
            return {last_[e], e};
        case CachePolicy::lfu:
            return {count_[e], (last_[e] << 16) | e};
        case CachePolicy::oracle:
            return {static_cast<uint64_t>(kNever - next_[e]), e};
    }
    return {};
}

int ExpertCache::request(const ExpertId* set, int size, const uint32_t* next_request) {
    if (size > capacity_)
        throw std::invalid_argument("a chosen set of " + std::to_string(size) + " experts does not fit a cache of " +
                                    std::to_string(capacity_));
    ++time_;
    int hits = 0;
    for (int i = 0; i < size; ++i) {
        stamp_[set[i]] = time_;
        hits += slot_[set[i]] >= 0;
    }
    // Evict before the new keys are set: victims are residents outside E_t in the order the
    // policy had before this request.
    int over = static_cast<int>(heap_.size()) + (size - hits) - capacity_;
    stash_.clear();
    while (over > 0) {
        const ExpertId e = pop();
        if (stamp_[e] == time_) {
            stash_.push_back(e);
        } else {
            --over;
        }
    }
    for (ExpertId e : stash_) push(e);
    for (int i = 0; i < size; ++i) {
        const ExpertId e = set[i];
        last_[e] = time_;
        ++count_[e];
        if (next_request) next_[e] = next_request[i];
        key_[e] = key_for(e);
        if (slot_[e] >= 0) {
            sift_up(static_cast<size_t>(slot_[e]));
            sift_down(static_cast<size_t>(slot_[e]));
        } else {
            push(e);
        }
    }
    hits_ += hits;
    requests_ += size;
    return hits;
}

void ExpertCache::place(size_t i, ExpertId e) {
    heap_[i] = e;
    slot_[e] = static_cast<int32_t>(i);
}

void ExpertCache::push(ExpertId e) {
    heap_.push_back(e);
    slot_[e] = static_cast<int32_t>(heap_.size() - 1);
    sift_up(heap_.size() - 1);
}

ExpertId ExpertCache::pop() {
    const ExpertId top = heap_.front();
    const ExpertId last = heap_.back();
    heap_.pop_back();
    slot_[top] = -1;
    if (!heap_.empty()) {
        place(0, last);
        sift_down(0);
    }
    return top;
}

void ExpertCache::sift_up(size_t i) {
    const ExpertId e = heap_[i];
    while (i > 0) {
        const size_t parent = (i - 1) / 2;
        if (!(key_[e] < key_[heap_[parent]])) break;
        place(i, heap_[parent]);
        i = parent;
    }
    place(i, e);
}

void ExpertCache::sift_down(size_t i) {
    const ExpertId e = heap_[i];
    const size_t n = heap_.size();
    while (true) {
        size_t child = 2 * i + 1;
        if (child >= n) break;
        if (child + 1 < n && key_[heap_[child + 1]] < key_[heap_[child]]) ++child;
        if (!(key_[heap_[child]] < key_[e])) break;
        place(i, heap_[child]);
        i = child;
    }
    place(i, e);
}

}  // namespace moe::analysis
