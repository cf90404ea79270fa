// Writes the session fuzzer's seed corpus: small valid sessions built from synthetic traces
// (softmax routing; a masked -inf score; a gated shared expert; no tokens at all).
#include <QFile>

#include <cstdio>
#include <limits>
#include <string>

#include "gui_private/session_file.h"
#include "gui_private/synthetic_trace.h"

namespace {

void write_seed(const std::string& path, const moe::gui::SessionDocument& doc) {
    QFile file(QString::fromStdString(path));
    if (!file.open(QIODevice::WriteOnly) || file.write(moe::gui::serializeSession(doc)) < 0) {
        std::fprintf(stderr, "cannot write %s\n", path.c_str());
        std::exit(1);
    }
}

}  // namespace

int main(int argc, char** argv) {
    if (argc != 2) {
        std::fprintf(stderr, "usage: %s CORPUS_FOLDER (must exist)\n", argv[0]);
        return 2;
    }
    const std::string dir = argv[1];
    moe::gui::SyntheticShape shape;
    shape.n_layer = 3;
    shape.n_leading_dense = 1;
    shape.n_expert = 4;
    shape.n_expert_used = 2;
    shape.n_expert_shared = 1;
    shape.prompt_tokens = 2;

    moe::gui::SessionDocument doc;
    doc.model = moe::gui::syntheticModelInfo(shape);
    doc.request.prompt = "a,\"b\"";
    doc.generated_text = QStringLiteral("caf\u00e9");
    doc.tokens = moe::gui::syntheticTokens(shape, 0, 3);
    write_seed(dir + "/three-tokens.json", doc);

    doc.tokens[1].moe_layers[0].scores[3] = -std::numeric_limits<float>::infinity();
    doc.tokens[2].moe_layers[1].shared_gate = 0.25f;
    doc.tokens[2].text = "\xe2\x82";
    write_seed(dir + "/masked-and-gated.json", doc);

    doc.tokens.clear();
    write_seed(dir + "/no-tokens.json", doc);
    return 0;
}
