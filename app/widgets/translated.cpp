#include "widgets/translated.h"

#include <QEvent>

#include <vector>

namespace moe::gui {

namespace {
// One per owner: replays the owner's texts when the language changes. A widget passes
// LanguageChange on to its children, so every owner sees it.
class Retranslator : public QObject {
public:
    explicit Retranslator(QObject* owner) : QObject(owner) {
        setObjectName(name());
        owner->installEventFilter(this);
    }
    static QString name() { return QStringLiteral("moescope-retranslator"); }
    void add(std::function<void()> apply) { texts_.push_back(std::move(apply)); }

protected:
    bool eventFilter(QObject* watched, QEvent* event) override {
        if (watched == parent() && event->type() == QEvent::LanguageChange) {
            for (const auto& apply : texts_) apply();
        }
        return false;
    }

private:
    std::vector<std::function<void()>> texts_;
};
}  // namespace

void translated(QObject* owner, std::function<void()> apply) {
    apply();
    auto* retranslator = static_cast<Retranslator*>(owner->findChild<QObject*>(Retranslator::name(), Qt::FindDirectChildrenOnly));
    if (!retranslator) retranslator = new Retranslator(owner);
    retranslator->add(std::move(apply));
}

}  // namespace moe::gui
