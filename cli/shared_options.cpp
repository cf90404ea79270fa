#include "shared_options.h"

namespace moe::cli {

namespace {

std::atomic<bool> g_interrupted{false};

void on_interrupt(int) { g_interrupted = true; }

}  // namespace

InterruptFlag::InterruptFlag() {
    g_interrupted = false;
    previous_ = std::signal(SIGINT, on_interrupt);
}

InterruptFlag::~InterruptFlag() { std::signal(SIGINT, previous_); }

const std::atomic<bool>* InterruptFlag::flag() const { return &g_interrupted; }

bool InterruptFlag::raised() const { return g_interrupted; }

}  // namespace moe::cli
