// Greedy runs of the bundled demo model, one per prompt, for tests that need real routing.
#pragma once

#include <functional>
#include <string>
#include <utility>
#include <vector>

#include "engine/demo_model.h"
#include "engine/engine.h"

namespace moe::test {

struct LabelledPrompt {
    const char* text;
    const char* domain;
};

// Calls on_trace(run index, trace) for every token of every run (prompt tokens included).
inline void run_demo_prompts(const std::vector<LabelledPrompt>& prompts, int max_new_tokens,
                             const std::function<void(int, const TokenTrace&)>& on_trace) {
    const auto model = Model::load(demo_model_path());
    Session session(model, {});
    for (size_t run = 0; run < prompts.size(); ++run) {
        GenerationRequest request;
        request.prompt = prompts[run].text;
        request.max_new_tokens = max_new_tokens;
        request.stop_at_eos = false;
        GenerationEvents events;
        events.on_trace = [&](const TokenTrace& trace) { on_trace(static_cast<int>(run), trace); };
        session.generate(request, events);
    }
}

}  // namespace moe::test
