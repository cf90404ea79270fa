// libFuzzer target: arbitrary bytes through every conformance vocabulary (byte-level BPE with
// each pre-tokenizer, and SentencePiece with byte fallback). Encoding must never crash or
// throw, every id must be in the vocabulary, and for valid UTF-8 input decode(encode(x)) == x
// (text between special tokens decoded run by run, see decode_by_fragment):
// a vocabulary with a token for each byte of the text (byte-level BPE, SPM's byte fallback)
// can spell it, so a difference is a tokenizer bug. The one exception is SentencePiece's own
// space mark U+2581 in the input, which decodes as a space.
// The first input byte picks the vocabulary; the rest is the text.
#include <algorithm>
#include <array>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include "gguf/gguf_file.h"
#include "tokenizer/tokenizer.h"
#include "tokenizer/utf8.h"

namespace {

struct Vocab {
    std::string name;
    std::unique_ptr<moe::gguf::GgufFile> file;
    std::unique_ptr<moe::Tokenizer> tokenizer;
    std::array<bool, 256> spells_byte{};  // some token is exactly this byte
};

[[noreturn]] void fail(const Vocab& vocab, const std::string& what) {
    std::fprintf(stderr, "fuzz_tokenizer (%s): %s\n", vocab.name.c_str(), what.c_str());
    std::abort();
}

// MOESCOPE_CONFORMANCE_DIR/tokenizer/*.gguf, loaded once.
const std::vector<Vocab>& vocabularies() {
    static const std::vector<Vocab> vocabs = [] {
        const char* env = std::getenv("MOESCOPE_CONFORMANCE_DIR");
        const std::filesystem::path dir = std::filesystem::path(env ? env : MOESCOPE_DEFAULT_CONFORMANCE_DIR) / "tokenizer";
        std::vector<std::filesystem::path> paths;
        for (const auto& entry : std::filesystem::directory_iterator(dir)) {
            if (entry.path().extension() == ".gguf") paths.push_back(entry.path());
        }
        std::sort(paths.begin(), paths.end());  // a stable vocabulary index for saved inputs
        std::vector<Vocab> out;
        for (const auto& path : paths) {
            Vocab v{path.filename().string(), moe::gguf::GgufFile::open(path.string()), nullptr};
            v.tokenizer = moe::Tokenizer::from_gguf(*v.file);
            for (int32_t id = 0; id < v.tokenizer->vocab_size(); ++id) {
                const std::string bytes = v.tokenizer->token_bytes(id);
                if (bytes.size() == 1) v.spells_byte[static_cast<uint8_t>(bytes[0])] = true;
            }
            out.push_back(std::move(v));
        }
        if (out.empty()) {
            std::fprintf(stderr, "fuzz_tokenizer: no vocabularies in %s\n", dir.c_str());
            std::abort();
        }
        return out;
    }();
    return vocabs;
}

bool is_special(moe::TokenType type) {
    return type == moe::TokenType::Control || type == moe::TokenType::Unknown || type == moe::TokenType::UserDefined;
}

// Decodes each run of text tokens between special tokens as a sequence of its own. llama.cpp's
// SentencePiece encoder puts a space before the text after every special token, as at the start
// of the text, and its decoder drops only the first one; decoding run by run drops each run's
// own prefix space. Special tokens decode to their text. Without SPM's space prefix this
// equals decode(ids).
std::string decode_by_fragment(const moe::Tokenizer& tok, const std::vector<int32_t>& ids) {
    std::string out;
    std::vector<int32_t> run;
    for (int32_t id : ids) {
        if (!is_special(tok.token_type(id))) {
            run.push_back(id);
            continue;
        }
        out += tok.decode(run) + tok.token_bytes(id);
        run.clear();
    }
    return out + tok.decode(run);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    if (size == 0) return 0;
    const auto& vocabs = vocabularies();
    const Vocab& vocab = vocabs[data[0] % vocabs.size()];
    const std::string text(reinterpret_cast<const char*>(data) + 1, size - 1);
    const moe::Tokenizer& tok = *vocab.tokenizer;

    const bool parse_special = (data[0] / vocabs.size()) % 2 == 1;
    const std::vector<int32_t> ids = tok.encode(text, /*add_special=*/false, parse_special);
    for (int32_t id : ids) {
        if (id < 0 || id >= tok.vocab_size()) fail(vocab, "id " + std::to_string(id) + " outside the vocabulary");
        (void)tok.token_bytes(id);
    }
    // SentencePiece writes spaces as U+2581, so a literal U+2581 comes back as a space.
    const bool spm_space_mark = tok.model_name() == "llama" && text.find("\xE2\x96\x81") != std::string::npos;
    // A byte no token spells is dropped, as llama.cpp does (refact's vocabulary has no 0xF1).
    const bool spellable = std::all_of(text.begin(), text.end(), [&](char ch) { return vocab.spells_byte[static_cast<uint8_t>(ch)]; });
    if (moe::utf8::is_valid(text) && spellable && !spm_space_mark && decode_by_fragment(tok, ids) != text) {
        fail(vocab, "decode(encode(x)) != x for " + std::to_string(text.size()) + " bytes");
    }
    return 0;
}
