// The JSON of `profile --json` and `analyze --json` (keys in README.md, "Routing analytics").
#pragma once

#include <string>

#include "analysis/analysis_report.h"

namespace moe::analysis {

std::string analysis_json(const AnalysisReport& report);

}  // namespace moe::analysis
