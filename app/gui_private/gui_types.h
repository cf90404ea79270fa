// Value types that cross the worker-thread boundary as queued-signal arguments.
// Everything here is immutable once emitted: the GUI thread only ever reads it.
#pragma once

#include <QMetaType>
#include <QString>

#include <memory>
#include <vector>

#include "engine/engine.h"
#include "evaluation/run_record.h"

namespace moe::gui {

// A batch of per-token traces, shared without copying between the worker and the GUI.
using TraceBatch = std::shared_ptr<const std::vector<moe::TokenTrace>>;

// Running (or final) numbers of one generation; `finished` marks the engine's exact totals.
struct GenerationStats {
    int prompt_tokens = 0;
    int generated_tokens = 0;
    double elapsed_ms = 0;
    double prefill_ms = 0;
    double decode_ms = 0;
    double time_to_first_token_ms = -1;  // -1 until the first generated token exists
    bool finished = false;
    bool cancelled = false;
    bool stopped_at_eos = false;
    bool stopped_at_context_end = false;  // not saved in sessions: a run-time note only

    double tokens_per_second() const {
        return decode_ms > 0 ? generated_tokens * 1000.0 / decode_ms : 0.0;
    }
};

// A finished run for the history (a generation's last update, or a what-if).
using RunPtr = std::shared_ptr<const moe::RunRecord>;

// What the worker streams while generating: new traces, newly completed text, stats; the
// last update also carries the run's record (null for a model without MoE layers).
struct GenerationUpdate {
    TraceBatch traces;
    QString text;
    GenerationStats stats;
    RunPtr run;
};

// Registers the types above with Qt's meta-type system; call once before connecting threads.
void registerMetaTypes();

}  // namespace moe::gui

Q_DECLARE_METATYPE(moe::gui::TraceBatch)
Q_DECLARE_METATYPE(moe::gui::GenerationStats)
Q_DECLARE_METATYPE(moe::gui::GenerationUpdate)
Q_DECLARE_METATYPE(moe::gui::RunPtr)
Q_DECLARE_METATYPE(moe::RoutingOverrides)
Q_DECLARE_METATYPE(moe::ModelInfo)
Q_DECLARE_METATYPE(moe::GenerationRequest)
