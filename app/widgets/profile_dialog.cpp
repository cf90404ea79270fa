#include "widgets/profile_dialog.h"

#include <QDialogButtonBox>
#include <QFileDialog>
#include <QFileInfo>
#include <QFormLayout>
#include <QHBoxLayout>
#include <QHeaderView>
#include <QLabel>
#include <QPushButton>
#include <QSpinBox>
#include <QTableWidget>
#include <QVBoxLayout>

namespace moe::gui {

ProfileDialog::ProfileDialog(QWidget* parent) : QDialog(parent) {
    setWindowTitle(tr("Profile Corpus"));
    auto* intro = new QLabel(tr("Every document is evaluated teacher-forced, and each token's routing is counted for "
                                "its domain. Name a domain per file or folder; leave it empty for JSONL files that "
                                "carry their own \"domain\" fields."));
    intro->setWordWrap(true);
    entries_ = new QTableWidget(0, 2);
    entries_->setHorizontalHeaderLabels({tr("File or folder"), tr("Domain")});
    entries_->horizontalHeader()->setSectionResizeMode(0, QHeaderView::Stretch);
    entries_->verticalHeader()->hide();
    auto* add_files = new QPushButton(tr("Add Files…"));
    auto* add_folder = new QPushButton(tr("Add Folder…"));
    auto* remove = new QPushButton(tr("Remove"));
    auto* bundled = new QPushButton(tr("Use the Bundled Samples"));
    bundled->setToolTip(tr("English, Chinese, code and arithmetic samples the demo model never trained on (resources/corpus/)"));
    connect(add_files, &QPushButton::clicked, this, [this] {
        addPaths(QFileDialog::getOpenFileNames(this, tr("Corpus files"), QString(), tr("Text or JSONL (*.txt *.jsonl *.md);;All files (*)")));
    });
    connect(add_folder, &QPushButton::clicked, this, [this] {
        const QString folder = QFileDialog::getExistingDirectory(this, tr("Corpus folder"));
        if (!folder.isEmpty()) addPaths({folder});
    });
    connect(remove, &QPushButton::clicked, this, [this] {
        if (entries_->currentRow() >= 0) entries_->removeRow(entries_->currentRow());
        updateButtons();
    });
    connect(bundled, &QPushButton::clicked, this, [this] {
        bundled_ = true;
        accept();
    });
    auto* buttons = new QHBoxLayout;
    for (QPushButton* b : {add_files, add_folder, remove}) buttons->addWidget(b);
    buttons->addStretch(1);
    buttons->addWidget(bundled);

    context_ = new QSpinBox;
    context_->setRange(16, 4096);
    context_->setValue(512);
    context_->setSuffix(tr(" tokens"));
    auto* form = new QFormLayout;
    form->addRow(tr("Window length"), context_);

    auto* box = new QDialogButtonBox(QDialogButtonBox::Cancel);
    start_ = box->addButton(tr("Profile"), QDialogButtonBox::AcceptRole);
    connect(box, &QDialogButtonBox::accepted, this, &QDialog::accept);
    connect(box, &QDialogButtonBox::rejected, this, &QDialog::reject);

    auto* layout = new QVBoxLayout(this);
    layout->addWidget(intro);
    layout->addWidget(entries_, 1);
    layout->addLayout(buttons);
    layout->addLayout(form);
    layout->addWidget(box);
    resize(640, 360);
    updateButtons();
}

void ProfileDialog::addPaths(const QStringList& paths) {
    // A file named after its domain ("math.txt") suggests it; JSONL labels itself.
    for (const QString& path : paths) {
        const QFileInfo info(path);
        addEntry(path, info.isFile() && info.suffix().compare(QLatin1String("jsonl"), Qt::CaseInsensitive) != 0
                           ? info.completeBaseName() : QString());
    }
}

void ProfileDialog::addEntry(const QString& path, const QString& domain) {
    const int row = entries_->rowCount();
    entries_->insertRow(row);
    auto* path_item = new QTableWidgetItem(path);
    path_item->setFlags(path_item->flags() & ~Qt::ItemIsEditable);
    entries_->setItem(row, 0, path_item);
    entries_->setItem(row, 1, new QTableWidgetItem(domain));
    updateButtons();
}

void ProfileDialog::updateButtons() { start_->setEnabled(entries_->rowCount() > 0); }

ProfileRequest ProfileDialog::request() const {
    ProfileRequest request = bundled_ ? bundledProfileRequest() : ProfileRequest();
    if (!bundled_) {
        for (int row = 0; row < entries_->rowCount(); ++row)
            request.entries.push_back({entries_->item(row, 0)->text(), entries_->item(row, 1)->text().trimmed()});
    }
    request.n_ctx = context_->value();
    return request;
}

}  // namespace moe::gui
