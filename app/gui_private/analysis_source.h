// Where the analysis item models get their numbers: the live session's analysis (AnalysisRunner)
// or a corpus profile's (ProfileRunner). Both compute off the GUI thread and publish immutable
// snapshots, so the same models (and the expert inspector) serve either.
#pragma once

#include <QObject>

#include <memory>

#include "analysis/analysis_report.h"
#include "analysis/routing_table.h"

namespace moe::gui {

// One finished analysis and the table it was computed from (token texts for the inspector).
struct AnalysisSnapshot {
    std::shared_ptr<const moe::analysis::RoutingTable> table;
    moe::analysis::AnalysisReport report;
};

class AnalysisSource : public QObject {
    Q_OBJECT
public:
    using QObject::QObject;
    // The newest finished analysis; null before the first one.
    virtual std::shared_ptr<const AnalysisSnapshot> snapshot() const = 0;

Q_SIGNALS:
    void updated();
};

}  // namespace moe::gui
