// libFuzzer target for the app's session reader (app/gui_private/session_file.cpp, Qt JSON):
// any bytes must either parse or raise std::runtime_error. A session that parses must be safe
// for the views (swapped into a TraceStore, every routing and load cell read, both CSV exports
// built) and must be a fixed point: serialize(parse(serialize(doc))) == serialize(doc).
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <stdexcept>

#include "gui_private/exports.h"
#include "gui_private/session_file.h"
#include "gui_private/trace_store.h"

namespace {

[[noreturn]] void fail(const char* what) {
    std::fprintf(stderr, "fuzz_session_json: %s\n", what);
    std::abort();
}

// What the views do with a session, through the store's own accessors.
void view_everything(const moe::gui::SessionDocument& doc) {
    moe::gui::TraceStore store;
    store.setDocument(doc);
    volatile long sink = 0;
    for (int t = 0; t < store.tokenCount(); ++t) {
        for (int l = 0; l < store.moeLayerCount(); ++l) {
            if (const moe::LayerRouting* r = store.routing(t, l)) {
                for (int e : r->experts) sink = sink + static_cast<long>(r->probs[static_cast<size_t>(e)]);
            }
            sink = sink + store.topExpert(t, l);
        }
    }
    for (int l = 0; l < store.moeLayerCount(); ++l) {
        sink = sink + store.blockOfMoeLayer(l);
        for (int e = 0; e < store.expertCount(); ++e) sink = sink + store.expertLoad(l, e);
    }
    sink = sink + static_cast<long>(moe::gui::routingCsv(doc.tokens).size());
    sink = sink + static_cast<long>(moe::gui::latencyCsv(doc.tokens, doc.model.n_layer).size());
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    const QByteArray json = QByteArray::fromRawData(reinterpret_cast<const char*>(data), static_cast<qsizetype>(size));
    moe::gui::SessionDocument doc;
    try {
        doc = moe::gui::parseSession(json);
    } catch (const std::runtime_error&) {
        return 0;
    }
    view_everything(doc);
    const QByteArray first = moe::gui::serializeSession(doc);
    moe::gui::SessionDocument again;
    try {
        again = moe::gui::parseSession(first);
    } catch (const std::runtime_error& e) {
        std::fprintf(stderr, "%s\n", e.what());
        fail("a serialized session does not parse");
    }
    if (moe::gui::serializeSession(again) != first) fail("serialize(parse(serialize(doc))) != serialize(doc)");
    return 0;
}
