#include "cli.h"

#include <ostream>

namespace moe::cli {

int run(const std::vector<std::string>& args, std::ostream& out, std::ostream& err) {
    (void)args;
    (void)out;
    err << "moescope-cli: not implemented yet\n";
    return 2;
}

}  // namespace moe::cli
