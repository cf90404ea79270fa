#include "gui_private/corpus_profile.h"

#include <QFile>

#include <algorithm>

#include "analysis/table_builder.h"
#include "engine/demo_model.h"
#include "evaluation/teacher_forcing.h"
#include "gui_private/analysis_runner.h"

namespace moe::gui {

ProfileRequest bundledProfileRequest() {
    ProfileRequest request;
    request.entries.push_back({QFile::decodeName(moe::bundled_corpus_path().c_str()), QString()});
    return request;
}

ProfileTable profileCorpus(moe::Session& session, const ProfileRequest& request, const ProfileProgress& progress,
                           const std::atomic<bool>* cancel) {
    std::vector<moe::Document> documents;
    for (const CorpusEntry& entry : request.entries) {
        auto more = moe::load_corpus(QFile::encodeName(entry.path).toStdString(), entry.domain.toStdString());
        documents.insert(documents.end(), std::make_move_iterator(more.begin()), std::make_move_iterator(more.end()));
    }
    moe::CorpusRunOptions options;
    options.n_ctx = std::min(request.n_ctx, session.n_ctx());
    options.progress = [&](int64_t done, int64_t total) {
        if (progress) progress(done, total);
        return true;
    };
    moe::analysis::RoutingTableBuilder builder(/*keep_values=*/false);
    const moe::CorpusRunResult result = moe::evaluate_corpus(
        session, documents, options, [&](const moe::TokenTrace& trace, int, int) { builder.add(trace); }, cancel);
    if (result.cancelled) return nullptr;
    auto table = std::make_shared<moe::analysis::RoutingTable>(builder.take());
    table->model = session.model().info().path;
    return table;
}

std::shared_ptr<const ProfileSnapshot> analyzeProfile(ProfileTable table) {
    auto profile = std::make_shared<ProfileSnapshot>();
    const auto analysis = analyzeForApp(table);
    profile->report = analysis->report;
    profile->table = std::move(table);
    for (int l = 0; l < profile->table->layer_count(); ++l) profile->maps.push_back(moe::analysis::expert_map(*profile->table, l));
    return profile;
}

}  // namespace moe::gui
