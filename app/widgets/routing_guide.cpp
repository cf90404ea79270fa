#include "widgets/routing_guide.h"

#include <QDialogButtonBox>
#include <QPushButton>
#include <QEvent>
#include <QPainter>
#include <QTextBrowser>
#include <QUrl>
#include <QVBoxLayout>

#include <algorithm>
#include <cmath>

#include "gui_private/color_scale.h"
#include "widgets/model_card.h"

namespace moe::gui {

namespace {
const auto kFigureUrl = QStringLiteral("moescope:figure");
const auto kViewScheme = QStringLiteral("view");
}  // namespace

QImage drawRoutingFigure(int width, int n_expert, int top_k, bool shared) {
    const int height = 170;
    QImage image(width * 2, height * 2, QImage::Format_ARGB32_Premultiplied);
    image.setDevicePixelRatio(2);
    image.fill(Qt::white);
    QPainter p(&image);
    p.setRenderHint(QPainter::Antialiasing);
    const QColor ink(0x33, 0x33, 0x33), chosen(0xe6, 0x55, 0x0d);
    // The token and the router.
    p.setPen(ink);
    p.setBrush(QColor(0xde, 0xeb, 0xf7));
    p.drawRoundedRect(QRectF(8, 60, 70, 34), 5, 5);
    p.drawText(QRectF(8, 60, 70, 34), Qt::AlignCenter, RoutingGuide::tr("token"));
    p.setBrush(QColor(0xfd, 0xd0, 0xa2));
    p.drawRoundedRect(QRectF(100, 52, 80, 50), 5, 5);
    p.drawText(QRectF(100, 52, 80, 50), Qt::AlignCenter, RoutingGuide::tr("router"));
    p.drawLine(QPointF(78, 77), QPointF(100, 77));
    // Scores over the experts: a made-up but typical softmax, the top k outlined.
    const int n = std::clamp(n_expert, 4, 16);
    const double left = 210, right = width - 110, bar_w = (right - left) / n;
    std::vector<double> score(static_cast<size_t>(n));
    // Distinct heights (golden-ratio steps), squared so a few experts stand out as in a real softmax.
    for (int e = 0; e < n; ++e) score[static_cast<size_t>(e)] = 0.08 + 0.92 * std::pow(std::fmod(e * 0.618034 + 0.3, 1.0), 3);
    std::vector<int> order(static_cast<size_t>(n));
    for (int e = 0; e < n; ++e) order[static_cast<size_t>(e)] = e;
    std::sort(order.begin(), order.end(), [&](int a, int b) { return score[static_cast<size_t>(a)] > score[static_cast<size_t>(b)]; });
    const int k = std::clamp(top_k, 1, n);
    for (int e = 0; e < n; ++e) {
        const bool picked = std::find(order.begin(), order.begin() + k, e) != order.begin() + k;
        const double h = 90 * score[static_cast<size_t>(e)];
        const QRectF bar(left + e * bar_w + 1, 125 - h, bar_w - 2, h);
        p.setPen(picked ? QPen(chosen, 2) : QPen(Qt::NoPen));
        p.setBrush(QColor(ColorScale::rgbAt(0.25 + 0.7 * score[static_cast<size_t>(e)])));
        p.drawRect(bar);
        if (picked) p.drawLine(QPointF(140, 102), QPointF(bar.center().x(), 127));
    }
    p.setPen(ink);
    p.drawText(QRectF(left - 20, 130, right - left + 30, 36), Qt::AlignHCenter | Qt::AlignTop | Qt::TextWordWrap,
               RoutingGuide::tr("router scores for %1 experts; the top %2 run (orange)").arg(n).arg(k));
    if (shared) {
        p.setBrush(QColor(0x08, 0x30, 0x6b));
        p.setPen(Qt::NoPen);
        p.drawRect(QRectF(right + 30, 35, bar_w, 90));
        p.setPen(ink);
        p.drawText(QRectF(right + 4, 130, 86, 40), Qt::AlignHCenter | Qt::AlignTop | Qt::TextWordWrap,
                   RoutingGuide::tr("shared: always runs"));
    }
    p.drawText(QRectF(8, 8, width - 16, 24), Qt::AlignLeft | Qt::AlignVCenter,
               RoutingGuide::tr("One MoE layer: only the chosen experts compute; their outputs are added, weighted by the gate."));
    return image;
}

RoutingGuide::RoutingGuide(QWidget* parent) : QDialog(parent), browser_(new QTextBrowser) {
    setObjectName(QStringLiteral("routingGuide"));
    resize(720, 760);
    browser_->setOpenLinks(false);
    connect(browser_, &QTextBrowser::anchorClicked, this, [this](const QUrl& url) {
        if (url.scheme() == kViewScheme) Q_EMIT viewRequested(url.path());
    });
    auto* buttons = new QDialogButtonBox(QDialogButtonBox::Close);
    close_button_ = buttons->button(QDialogButtonBox::Close);
    connect(buttons, &QDialogButtonBox::rejected, this, &QDialog::close);
    auto* layout = new QVBoxLayout(this);
    layout->addWidget(browser_, 1);
    layout->addWidget(buttons);
    rebuild();
}

void RoutingGuide::setModel(const moe::ModelInfo& info) {
    model_ = info;
    rebuild();
}

void RoutingGuide::setViews(const QList<GuideView>& views) {
    views_ = views;
    rebuild();
}

void RoutingGuide::changeEvent(QEvent* event) {
    QDialog::changeEvent(event);
    if (event->type() == QEvent::LanguageChange) rebuild();
}

QString RoutingGuide::viewLink(const QString& title) const {
    for (const GuideView& view : views_) {
        if (view.title == title) {
            QUrl url;
            url.setScheme(kViewScheme);
            url.setPath(title);
            return QStringLiteral("<a href=\"%1\">%2</a>").arg(url.toString(QUrl::FullyEncoded), view.translated_title.toHtmlEscaped());
        }
    }
    return title.toHtmlEscaped();
}

void RoutingGuide::rebuild() {
    setWindowTitle(tr("How MoE routing works"));
    close_button_->setText(tr("Close"));  // Qt's own translations may not be installed
    const bool loaded = model_.n_expert > 0;
    browser_->document()->addResource(QTextDocument::ImageResource, QUrl(kFigureUrl),
                                      drawRoutingFigure(640, loaded ? model_.n_expert : 16, loaded ? model_.n_expert_used : 2,
                                                        !loaded || model_.n_expert_shared > 0));
    auto para = [](const QString& heading, const QString& text, const QString& links) {
        return QStringLiteral("<h3>%1</h3><p>%2</p><p style=\"color:#555\">%3</p>").arg(heading, text, links);
    };
    auto see = [this](const QStringList& titles) {
        QStringList links;
        for (const QString& t : titles) links << viewLink(t);
        return tr("See: %1").arg(links.join(QStringLiteral(" · ")));
    };
    QString numbers;
    if (loaded && model_.params_total > 0) {
        numbers = tr("In <b>%1</b>, each token goes through %2 of %3 routed experts per MoE layer, so it multiplies "
                     "%4 of the %5 parameters: <b>%6%</b> of the model is active per token.")
                      .arg(QString::fromStdString(model_.name).toHtmlEscaped())
                      .arg(model_.n_expert_used)
                      .arg(model_.n_expert)
                      .arg(formatCount(static_cast<double>(model_.params_active)),
                           formatCount(static_cast<double>(model_.params_total)))
                      .arg(QString::number(100.0 * model_.params_active / model_.params_total, 'f', 1));
    } else {
        numbers = tr("Load a model to see its own numbers here.");
    }
    QString html = QStringLiteral("<h2>%1</h2><p><img src=\"%2\" width=\"640\"></p>").arg(tr("How MoE routing works"), kFigureUrl);
    html += para(tr("The router"),
                 tr("A Mixture-of-Experts (MoE) layer replaces the one feed-forward network (FFN) of a transformer block "
                    "with many smaller FFNs, the <i>experts</i>. A small linear layer, the <i>router</i>, scores every "
                    "expert for every token."),
                 see({QStringLiteral("Layer × expert")}));
    html += para(tr("Top-k: why it saves compute"),
                 tr("Only the k experts with the highest scores run for a token; the others are skipped. The model "
                    "keeps the knowledge of all its experts but pays for only k of them: it is <i>sparse</i>.") +
                     QStringLiteral(" ") + numbers +
                     tr(" The Compute tab counts FLOPs, which include attention, so its share of dense is higher."),
                 see({QStringLiteral("Work per token vs dense"), QStringLiteral("Cumulative FLOPs")}));
    html += para(tr("Gating"),
                 tr("The gate turns the router's scores into weights: softmax probabilities (Mixtral, Qwen) or sigmoid "
                    "scores (DeepSeek-V3), often renormalised over the chosen k. The chosen experts' outputs are added "
                    "up with these weights. <i>Show → applied weight</i> switches the heatmaps from the router "
                    "probability to these weights."),
                 see({QStringLiteral("Token × expert")}));
    html += para(tr("Shared experts"),
                 tr("DeepSeek and Qwen2-MoE also have <i>shared experts</i> that every token passes through. They hold "
                    "what all tokens need, so the routed experts are free to specialise. In the heatmaps they are the "
                    "S columns after the black line."),
                 see({QStringLiteral("Layer × expert")}));
    html += para(tr("Load balance"),
                 tr("If the router sent most tokens to a few experts, the others would sit idle and learn little. "
                    "Training therefore adds a load-balancing loss (DeepSeek-V3: a bias on the selection scores) so that "
                    "tokens spread over the experts. Expert load shows how evenly this run spread them."),
                 see({QStringLiteral("Expert load")}));
    html += para(tr("Specialisation"),
                 tr("Experts tend to specialise: digits, Chinese characters, code keywords and punctuation often go to "
                    "different experts. Run the sample prompts and compare the chip colours and the rows of the "
                    "token × expert view."),
                 see({QStringLiteral("Tokens"), QStringLiteral("Token × expert")}));
    html += QStringLiteral("<h3>%1</h3><ul>").arg(tr("How to read each view"));
    for (const GuideView& view : views_) {
        html += QStringLiteral("<li>%1: %2</li>").arg(viewLink(view.title), view.description.toHtmlEscaped());
    }
    html += QStringLiteral("</ul>");
    browser_->setHtml(html);
}

QString RoutingGuide::html() const { return browser_->toHtml(); }

}  // namespace moe::gui
