// Minimal "--flag value" parser for the CLI subcommands; unknown flags are errors.
#pragma once

#include <map>
#include <optional>
#include <set>
#include <stdexcept>
#include <string>
#include <vector>

namespace moe::cli {

class UsageError : public std::runtime_error {
public:
    using std::runtime_error::runtime_error;
};

class Arguments {
public:
    // `valued`: flags that take a value (e.g. "-m", "--model"); `switches`: flags without one.
    // Aliases map a short form to its long name. Repeated flags keep every value.
    Arguments(const std::vector<std::string>& args, size_t first, const std::set<std::string>& valued,
              const std::set<std::string>& switches, const std::map<std::string, std::string>& aliases = {});

    bool has(const std::string& flag) const { return values_.count(flag) > 0; }
    std::optional<std::string> text(const std::string& flag) const;
    std::vector<std::string> all(const std::string& flag) const;
    int integer(const std::string& flag, int fallback) const;
    double real(const std::string& flag, double fallback) const;
    const std::vector<std::string>& positional() const { return positional_; }

private:
    std::map<std::string, std::vector<std::string>> values_;
    std::vector<std::string> positional_;
};

}  // namespace moe::cli
