// Corpus profiling in the app (File → Profile Corpus…): the same teacher-forced evaluation as
// `moescope-cli profile`, run on the inference thread, and the analysis of its routing table
// (core/analysis metrics with domains, and an expert map per MoE layer).
#pragma once

#include <QMetaType>
#include <QString>

#include <atomic>
#include <functional>
#include <memory>
#include <vector>

#include "analysis/expert_map.h"
#include "engine/engine.h"
#include "gui_private/analysis_source.h"

namespace moe::gui {

// A file or folder of the corpus and the domain that labels its documents (empty: a JSONL
// file's own "domain" fields, as with `profile --corpus`).
struct CorpusEntry {
    QString path;
    QString domain;
};

struct ProfileRequest {
    std::vector<CorpusEntry> entries;
    int n_ctx = 512;  // window length, BOS included; capped by the session's context
};

// The bundled samples (resources/corpus/, labelled by their JSONL domains).
ProfileRequest bundledProfileRequest();

// A finished profile: its routing table (chosen experts, domains); immutable once made.
using ProfileTable = std::shared_ptr<const moe::analysis::RoutingTable>;

// Called with (tokens done, tokens planned) after every window.
using ProfileProgress = std::function<void(int64_t done, int64_t total)>;

// Reads the corpus and evaluates it in `session`; the chosen experts of every token, labelled by
// domain, one sequence per window. Null when `cancel` stopped it. Throws moe::CorpusError or
// moe::EngineError (their messages name the file or the problem).
ProfileTable profileCorpus(moe::Session& session, const ProfileRequest& request, const ProfileProgress& progress,
                           const std::atomic<bool>* cancel);

// A profile's analysis: the app's analysis of its table, plus each MoE layer's expert map.
struct ProfileSnapshot : AnalysisSnapshot {
    std::vector<moe::analysis::ExpertMap> maps;  // (moe_layers)
};

std::shared_ptr<const ProfileSnapshot> analyzeProfile(ProfileTable table);

}  // namespace moe::gui

Q_DECLARE_METATYPE(moe::gui::ProfileRequest)
Q_DECLARE_METATYPE(moe::gui::ProfileTable)
