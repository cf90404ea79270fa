// File → Profile Corpus…: the files and folders to evaluate, each with the domain that labels
// its documents (empty: a JSONL file's own "domain" fields), and the window length. One button
// takes the bundled samples (resources/corpus/) instead.
#pragma once

#include <QDialog>

#include "gui_private/corpus_profile.h"

class QPushButton;
class QSpinBox;
class QTableWidget;

namespace moe::gui {

class ProfileDialog : public QDialog {
    Q_OBJECT
public:
    explicit ProfileDialog(QWidget* parent = nullptr);
    ProfileRequest request() const;  // what was chosen (the bundled samples after that button)
    void addEntry(const QString& path, const QString& domain);

private:
    void addPaths(const QStringList& paths);
    void updateButtons();

    QTableWidget* entries_;
    QSpinBox* context_;
    QPushButton* start_;
    bool bundled_ = false;
};

}  // namespace moe::gui
