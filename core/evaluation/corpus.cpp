#include "evaluation/corpus.h"

#include <algorithm>
#include <filesystem>
#include <sstream>

#include <nlohmann/json.hpp>

#include "util/whole_file.h"

namespace moe {

namespace fs = std::filesystem;

namespace {

std::string read_text(const fs::path& path) {
    std::string error;
    auto text = read_whole_file(path.string(), error);
    if (!text) throw CorpusError(path.string() + ": " + error);
    return std::move(*text);
}

bool blank(const std::string& text) { return text.find_first_not_of(" \t\r\n") == std::string::npos; }

void read_jsonl(const fs::path& path, const std::string& domain, std::vector<Document>& docs) {
    std::istringstream lines(read_text(path));
    std::string line;
    for (int number = 1; std::getline(lines, line); ++number) {
        if (blank(line)) continue;
        const std::string where = path.string() + ":" + std::to_string(number);
        nlohmann::json row;
        try {
            row = nlohmann::json::parse(line);
        } catch (const nlohmann::json::exception&) {
            throw CorpusError(where + ": not valid JSON");
        }
        if (!row.is_object() || !row.contains("text") || !row["text"].is_string())
            throw CorpusError(where + ": expected an object with a string \"text\"");
        if (row.contains("domain") && !row["domain"].is_string())
            throw CorpusError(where + ": \"domain\" must be a string");
        Document doc{row["text"].get<std::string>(), domain, where};
        if (doc.domain.empty() && row.contains("domain")) doc.domain = row["domain"].get<std::string>();
        if (!doc.text.empty()) docs.push_back(std::move(doc));
    }
}

void read_file(const fs::path& path, const std::string& domain, std::vector<Document>& docs) {
    if (path.extension() == ".jsonl") return read_jsonl(path, domain, docs);
    Document doc{read_text(path), domain, path.string()};
    if (!doc.text.empty()) docs.push_back(std::move(doc));
}

}  // namespace

std::vector<Document> load_corpus(const std::string& path, const std::string& domain) {
    std::error_code ec;
    const fs::file_status status = fs::status(path, ec);
    if (ec || !fs::exists(status)) throw CorpusError(path + ": no such file or folder");
    std::vector<Document> docs;
    if (fs::is_directory(status)) {
        std::vector<fs::path> files;
        for (auto it = fs::recursive_directory_iterator(path, ec); !ec && it != fs::recursive_directory_iterator();
             it.increment(ec))
            if (it->is_regular_file()) files.push_back(it->path());
        if (ec) throw CorpusError(path + ": cannot list the folder: " + ec.message());
        std::sort(files.begin(), files.end());
        for (const fs::path& file : files) read_file(file, domain, docs);
    } else {
        read_file(path, domain, docs);
    }
    if (docs.empty()) throw CorpusError(path + ": no documents (the corpus is empty)");
    return docs;
}

std::vector<Window> cut_windows(const std::vector<int32_t>& tokens, int document, int n_ctx, int32_t bos) {
    const size_t per_window = static_cast<size_t>(bos >= 0 ? n_ctx - 1 : n_ctx);
    std::vector<Window> windows;
    for (size_t start = 0; start < tokens.size() && per_window > 0; start += per_window) {
        Window w{document, {}};
        if (bos >= 0) w.tokens.push_back(bos);
        const size_t end = std::min(tokens.size(), start + per_window);
        w.tokens.insert(w.tokens.end(), tokens.begin() + static_cast<ptrdiff_t>(start),
                        tokens.begin() + static_cast<ptrdiff_t>(end));
        windows.push_back(std::move(w));
    }
    return windows;
}

}  // namespace moe
