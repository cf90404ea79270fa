#include "widgets/model_card.h"

#include <QFileInfo>
#include <QFormLayout>
#include <QLabel>

#include <algorithm>
#include <iterator>
#include <vector>

namespace moe::gui {

ByteUnit byteUnitFor(double reference) {
    static const ByteUnit units[] = {{1.0, "B"}, {1024.0, "KiB"}, {1048576.0, "MiB"}, {1073741824.0, "GiB"}, {1099511627776.0, "TiB"}};
    size_t u = 0;
    while (u + 1 < std::size(units) && reference >= units[u + 1].divisor) ++u;
    return units[u];
}

QString formatBytesAs(double bytes, double reference) {
    const ByteUnit unit = byteUnitFor(reference);
    return QStringLiteral("%1 %2").arg(QString::number(bytes / unit.divisor, 'f', unit.divisor == 1.0 ? 0 : 1),
                                       QLatin1String(unit.name));
}

QString formatBytes(double bytes) { return formatBytesAs(bytes, bytes); }

QString formatCount(double count) {
    const char* units[] = {"", " K", " M", " B", " T"};
    int u = 0;
    while (count >= 1000 && u < 4) {
        count /= 1000;
        ++u;
    }
    return QString::number(count, 'f', u == 0 ? 0 : 2) + QLatin1String(units[u]);
}

ModelCard::ModelCard(QWidget* parent) : QWidget(parent), form_(new QFormLayout(this)) {
    form_->setLabelAlignment(Qt::AlignRight);
    form_->setFieldGrowthPolicy(QFormLayout::AllNonFixedFieldsGrow);
    form_->setRowWrapPolicy(QFormLayout::DontWrapRows);
    form_->setContentsMargins(8, 6, 8, 6);
    form_->setVerticalSpacing(3);
    clear(tr("No model loaded"));
}

void ModelCard::addRow(const QString& label, const QString& value) {
    auto* field = new QLabel(value);
    field->setTextInteractionFlags(Qt::TextSelectableByMouse);
    field->setWordWrap(true);
    auto* name = new QLabel(label);
    name->setStyleSheet(QStringLiteral("color: palette(mid);"));
    form_->addRow(name, field);
}

void ModelCard::clear(const QString& message) {
    while (form_->rowCount() > 0) form_->removeRow(0);
    auto* label = new QLabel(message);
    label->setWordWrap(true);
    form_->addRow(label);
}

void ModelCard::setInfo(const moe::ModelInfo& m, const QString& note) {
    while (form_->rowCount() > 0) form_->removeRow(0);
    auto* name = new QLabel(QStringLiteral("<b>%1</b>").arg(QString::fromStdString(m.name).toHtmlEscaped()));
    name->setWordWrap(true);
    form_->addRow(name);
    if (!note.isEmpty()) {
        auto* n = new QLabel(note);
        n->setWordWrap(true);
        n->setStyleSheet(QStringLiteral("color: #a05a00;"));
        form_->addRow(n);
    }
    addRow(tr("Architecture"), QString::fromStdString(m.architecture));
    addRow(tr("File"), QStringLiteral("%1 (%2)").arg(QFileInfo(QString::fromStdString(m.path)).fileName(),
                                                     formatBytes(static_cast<double>(m.file_size))));
    addRow(tr("Layers"), tr("%1 (%2 MoE, %3 dense)").arg(m.n_layer).arg(m.moe_layers.size())
                             .arg(m.n_layer - static_cast<int>(m.moe_layers.size())));
    addRow(tr("Experts"), tr("%1 routed, top-%2").arg(m.n_expert).arg(m.n_expert_used) +
                              (m.n_expert_shared > 0 ? tr(", %1 shared").arg(m.n_expert_shared) : QString()));
    QString gating = QString::fromStdString(m.gating);
    if (m.weights_normalized) gating += tr(", normalized");
    if (m.weights_scale != 1.0f) gating += tr(", scale %1").arg(m.weights_scale);
    if (m.n_group > 0) gating += tr(", groups %1/%2").arg(m.n_group_used).arg(m.n_group);
    if (m.has_selection_bias) gating += tr(", selection bias");
    addRow(tr("Gating"), gating);
    addRow(tr("Attention"), QString::fromStdString(m.attention));
    addRow(tr("Blocks"), QString::fromStdString(m.blocks));
    if (!m.multipliers.empty()) addRow(tr("Multipliers"), QString::fromStdString(m.multipliers));
    const double active_share = m.params_total > 0 ? 100.0 * m.params_active / m.params_total : 0.0;
    // Not the Compute tab's share of dense FLOPs: that one counts attention work too.
    addRow(tr("Parameters"), tr("%1 total, %2 active per token (%3% of the weights; the Compute tab's "
                                "share of dense counts FLOPs, attention included)")
                                 .arg(formatCount(static_cast<double>(m.params_total)),
                                      formatCount(static_cast<double>(m.params_active)))
                                 .arg(QString::number(active_share, 'f', 1)));
    std::vector<std::pair<int64_t, std::string>> types;
    for (const auto& [type, count] : m.params_by_type) types.emplace_back(count, type);
    std::sort(types.rbegin(), types.rend());
    QStringList quant;
    for (const auto& [count, type] : types) {
        quant << QStringLiteral("%1 %2%").arg(QString::fromStdString(type))
                     .arg(QString::number(m.params_total > 0 ? 100.0 * count / m.params_total : 0.0, 'f', 1));
    }
    addRow(tr("Weights"), quant.join(QStringLiteral(", ")));
    QString kv = tr("%1 per token").arg(formatBytes(static_cast<double>(m.kv_bytes_per_token)));
    if (m.kv_bytes_per_token_mha > m.kv_bytes_per_token) {
        kv += tr(" (full MHA: %1)").arg(formatBytes(static_cast<double>(m.kv_bytes_per_token_mha)));
    }
    addRow(tr("KV cache"), kv);
    addRow(tr("Context"), tr("%1 tokens (trained)").arg(m.n_ctx_train));
    addRow(tr("Vocabulary"), tr("%1 tokens, %2").arg(m.n_vocab).arg(QString::fromStdString(m.tokenizer)));
}

void ModelCard::addWeightPlacement(bool in_huge_pages, int tensors_in_row_groups) {
    addRow(tr("Weights in memory"), in_huge_pages ? tr("copied into 2 MiB pages at load (fewer TLB misses while decoding)")
                                                  : tr("read through the file mapping (4 KiB pages)"));
    if (tensors_in_row_groups > 0)
        addRow(tr("Row groups"), tr("%1 tensors stored 16 rows at a time, interleaved (faster 8-bit products)")
                                     .arg(tensors_in_row_groups));
}

QString ModelCard::fieldText(const QString& label) const {
    for (int r = 0; r < form_->rowCount(); ++r) {
        auto* name = qobject_cast<QLabel*>(form_->itemAt(r, QFormLayout::LabelRole) ? form_->itemAt(r, QFormLayout::LabelRole)->widget() : nullptr);
        auto* field = qobject_cast<QLabel*>(form_->itemAt(r, QFormLayout::FieldRole) ? form_->itemAt(r, QFormLayout::FieldRole)->widget() : nullptr);
        if (name && field && name->text() == label) return field->text();
    }
    return {};
}

}  // namespace moe::gui
