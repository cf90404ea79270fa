// The model card: what the loaded (or the opened session's) model is, at a glance.
#pragma once

#include <QWidget>

#include "models/model_info.h"

class QFormLayout;

namespace moe::gui {

class ModelCard : public QWidget {
    Q_OBJECT
public:
    explicit ModelCard(QWidget* parent = nullptr);
    void setInfo(const moe::ModelInfo& info, const QString& note = {});
    // Rows for how this process holds the weights (LoadOptions::weights, and how many tensors'
    // rows the copy stores in groups): shown only for a model loaded here, since an opened
    // session's placement was another run's.
    void addWeightPlacement(bool in_huge_pages, int tensors_in_row_groups);
    void clear(const QString& message);
    QString fieldText(const QString& label) const;  // for tests

private:
    void addRow(const QString& label, const QString& value);
    QFormLayout* form_;
};

QString formatBytes(double bytes);
// Binary units (B, KiB, MiB, …): the largest that keeps `reference` at 1 or more.
struct ByteUnit {
    double divisor;
    const char* name;
};
ByteUnit byteUnitFor(double reference);
// `bytes` in the unit that suits `reference`, so numbers about one chart share its axis unit.
QString formatBytesAs(double bytes, double reference);
QString formatCount(double count);  // 1.2 M, 3.4 B

}  // namespace moe::gui
