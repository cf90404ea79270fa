#include "analysis/expert_cache.h"

#include <algorithm>
#include <limits>
#include <stdexcept>
#include <string>

namespace moe::analysis {

namespace {

constexpr uint64_t kProtected = std::numeric_limits<uint64_t>::max();

}  // namespace

ExpertCache::ExpertCache(int n_expert, int capacity, CachePolicy policy)
    : capacity_(capacity), policy_(policy), resident_(static_cast<size_t>(n_expert), 0) {
    if (capacity < 1) throw std::invalid_argument("cache size " + std::to_string(capacity) + " is below 1");
    const size_t n = static_cast<size_t>(n_expert);
    if (policy == CachePolicy::lru) {
        prev_.assign(n + 1, n_expert);
        next_in_list_.assign(n + 1, n_expert);
    } else {
        slot_.assign(n, -1);
        key_.resize(n);
        last_.assign(n, 0);
        count_.assign(n, 0);
        next_.assign(n, kNever);
        heap_.reserve(static_cast<size_t>(capacity) + 1);
    }
}

int ExpertCache::request(const ExpertId* set, int size, const uint32_t* next_request) {
    if (size > capacity_)
        throw std::invalid_argument("a chosen set of " + std::to_string(size) + " experts does not fit a cache of " +
                                    std::to_string(capacity_));
    ++time_;
    int hits = 0;
    for (int i = 0; i < size; ++i) hits += resident_[set[i]];
    if (policy_ == CachePolicy::lru) {
        request_lru(set, size);
    } else {
        request_heap(set, size, hits, next_request);
    }
    hits_ += hits;
    requests_ += size;
    return hits;
}

// The list is kept in eviction order: least recently requested first and, among experts of
// one request, the lower id first. So the set goes to the back in ascending id order, and
// victims come off the front once the set's residents are out of the list.
void ExpertCache::request_lru(const ExpertId* set, int size) {
    sorted_.assign(set, set + size);
    std::sort(sorted_.begin(), sorted_.end());
    for (ExpertId e : sorted_)
        if (resident_[e]) unlink(e);
    const int head = static_cast<int>(resident_.size());
    while (list_size_ + size > capacity_) {
        const ExpertId victim = static_cast<ExpertId>(next_in_list_[static_cast<size_t>(head)]);
        unlink(victim);
        resident_[victim] = 0;
    }
    for (ExpertId e : sorted_) {
        append(e);
        resident_[e] = 1;
    }
}

// Residents of the set get the largest key while victims are popped, so none of them is
// evicted (there are always enough others: |set| <= capacity); then their real keys are set.
void ExpertCache::request_heap(const ExpertId* set, int size, int hits, const uint32_t* next_request) {
    for (int i = 0; i < size; ++i)
        if (resident_[set[i]]) {
            key_[set[i]] = {kProtected, kProtected};
            sift_down(static_cast<size_t>(slot_[set[i]]));
        }
    while (static_cast<int>(heap_.size()) + (size - hits) > capacity_) resident_[pop()] = 0;
    for (int i = 0; i < size; ++i) {
        const ExpertId e = set[i];
        last_[e] = time_;
        ++count_[e];
        if (next_request) next_[e] = next_request[i];
        key_[e] = key_for(e);
        if (resident_[e]) {
            sift_up(static_cast<size_t>(slot_[e]));
        } else {
            push(e);
            resident_[e] = 1;
        }
    }
}

ExpertCache::Key ExpertCache::key_for(ExpertId e) const {
    if (policy_ == CachePolicy::lfu) return {count_[e], (last_[e] << 16) | e};
    return {static_cast<uint64_t>(kNever - next_[e]), e};  // oracle: farthest next request first
}

void ExpertCache::unlink(ExpertId e) {
    next_in_list_[static_cast<size_t>(prev_[e])] = next_in_list_[e];
    prev_[static_cast<size_t>(next_in_list_[e])] = prev_[e];
    --list_size_;
}

void ExpertCache::append(ExpertId e) {
    const size_t head = resident_.size();
    const int32_t tail = prev_[head];
    prev_[e] = tail;
    next_in_list_[e] = static_cast<int32_t>(head);
    next_in_list_[static_cast<size_t>(tail)] = e;
    prev_[head] = e;
    ++list_size_;
}

void ExpertCache::place(size_t i, ExpertId e) {
    heap_[i] = e;
    slot_[e] = static_cast<int32_t>(i);
}

void ExpertCache::push(ExpertId e) {
    heap_.push_back(e);
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
    const Key key = key_[e];
    while (i > 0) {
        const size_t parent = (i - 1) / 2;
        if (!(key < key_[heap_[parent]])) break;
        place(i, heap_[parent]);
        i = parent;
    }
    place(i, e);
}

void ExpertCache::sift_down(size_t i) {
    const ExpertId e = heap_[i];
    const Key key = key_[e];
    const size_t n = heap_.size();
    while (true) {
        size_t child = 2 * i + 1;
        if (child >= n) break;
        if (child + 1 < n && key_[heap_[child + 1]] < key_[heap_[child]]) ++child;
        if (!(key_[heap_[child]] < key)) break;
        place(i, heap_[child]);
        i = child;
    }
    place(i, e);
}

}  // namespace moe::analysis
