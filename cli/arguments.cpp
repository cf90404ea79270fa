#include "arguments.h"

#include <cerrno>
#include <cstdlib>
#include <limits>

namespace moe::cli {

Arguments::Arguments(const std::vector<std::string>& args, size_t first, const std::set<std::string>& valued,
                     const std::set<std::string>& switches, const std::map<std::string, std::string>& aliases) {
    for (size_t i = first; i < args.size(); ++i) {
        std::string flag = args[i];
        if (auto alias = aliases.find(flag); alias != aliases.end()) flag = alias->second;
        if (valued.count(flag)) {
            if (i + 1 >= args.size()) throw UsageError("option " + args[i] + " needs a value");
            values_[flag].push_back(args[++i]);
        } else if (switches.count(flag)) {
            values_[flag].push_back("");
        } else if (flag.size() > 1 && flag[0] == '-') {
            throw UsageError("unknown option " + args[i]);
        } else {
            positional_.push_back(args[i]);
        }
    }
}

std::optional<std::string> Arguments::text(const std::string& flag) const {
    auto it = values_.find(flag);
    if (it == values_.end()) return std::nullopt;
    return it->second.back();
}

std::vector<std::string> Arguments::all(const std::string& flag) const {
    auto it = values_.find(flag);
    return it == values_.end() ? std::vector<std::string>{} : it->second;
}

int Arguments::integer(const std::string& flag, int fallback) const {
    auto v = text(flag);
    if (!v) return fallback;
    char* end = nullptr;
    errno = 0;
    const long value = std::strtol(v->c_str(), &end, 10);
    if (end == v->c_str() || *end != '\0') throw UsageError("option " + flag + " expects an integer, got '" + *v + "'");
    if (errno == ERANGE || value < std::numeric_limits<int>::min() || value > std::numeric_limits<int>::max()) {
        throw UsageError("option " + flag + " " + *v + " does not fit in a 32-bit integer");
    }
    return static_cast<int>(value);
}

double Arguments::real(const std::string& flag, double fallback) const {
    auto v = text(flag);
    if (!v) return fallback;
    char* end = nullptr;
    const double value = std::strtod(v->c_str(), &end);
    if (end == v->c_str() || *end != '\0') throw UsageError("option " + flag + " expects a number, got '" + *v + "'");
    return value;
}

}  // namespace moe::cli
