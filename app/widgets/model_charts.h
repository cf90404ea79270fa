// Qt Charts fed from the item models: series are rebuilt with series->replace() on a short
// timer after the model changed, never one append per token.
#pragma once

#include <QChartView>
#include <QGraphicsPathItem>
#include <QPointer>
#include <QTimer>
#include <QVector>

class QAbstractItemModel;
class QBarSeries;
class QBarSet;
class QBarCategoryAxis;
class QLineSeries;
class QValueAxis;

namespace moe::gui {

// What every chart here shares: it owns its QChart, follows a model, and redraws at most once
// per refresh interval; a chart on a hidden tab only notes that it is stale and catches up
// when shown.
class ModelChartView : public QChartView {
    Q_OBJECT
public:
    explicit ModelChartView(QWidget* parent = nullptr);

protected:
    void followModel(QAbstractItemModel* model);
    void scheduleRedraw();
    QAbstractItemModel* model() const { return model_; }
    virtual void redraw() = 0;  // rebuild the series from model()
    void showEvent(QShowEvent* event) override;

private:
    void refresh();

    QPointer<QAbstractItemModel> model_;
    QTimer refresh_timer_;
    bool stale_ = false;
};

// A line chart with x = one model column and one series per (y column, token filter).
class ModelLineChart : public ModelChartView {
    Q_OBJECT
public:
    enum class Rows { All, PromptOnly, GeneratedOnly };
    ModelLineChart(const QString& x_title, const QString& y_title, QWidget* parent = nullptr);

    void setModel(QAbstractItemModel* model, int x_column);
    // y values are multiplied by `scale` (e.g. 1e-9 to show GFLOP).
    void addSeries(const QString& name, int y_column, const QColor& color, Rows rows = Rows::All, double scale = 1.0);
    void setPlaceholder(const QString& text);  // shown instead of the series when not empty
    // y values are byte counts, shown in the one binary unit (B, KiB, MiB, …) that suits the largest.
    void setBytes(bool bytes);
    void setAxisTitles(const QString& x_title, const QString& y_title);
    void setSeriesName(int series, const QString& name);
    // A vertical line at x (the selected token); a negative x hides it.
    void setMarker(double x);

protected:
    void redraw() override;
    void changeEvent(QEvent* event) override;

private:
    void updateTitle();  // the placeholder, or what to do next while there is no data

    QString placeholder_;
    struct SeriesSpec {
        QLineSeries* series;
        int column;
        Rows rows;
        double scale;
    };
    int x_column_ = 0;
    QVector<SeriesSpec> series_;
    QLineSeries* marker_ = nullptr;
    double marker_x_ = -1;
    QValueAxis* axis_x_;
    QValueAxis* axis_y_;
    bool bytes_ = false;
};

// Per-layer time: grouped bars for the selected token and the session's prefill/decode means.
class LayerTimeChart : public ModelChartView {
    Q_OBJECT
public:
    explicit LayerTimeChart(QWidget* parent = nullptr);
    void setModel(QAbstractItemModel* model);  // a LayerTimeModel

protected:
    void redraw() override;
    void changeEvent(QEvent* event) override;

private:
    void retranslate();
    int columnOf(QBarSet* set) const;  // the LayerTimeModel column a bar set shows
    void placeWhiskers();               // after a redraw or a change of the plot area

    QVector<QBarSet*> sets_;
    QBarSeries* series_;
    // The middle half of the decode tokens (25th to 75th percentile) on each median decode bar.
    QVector<QPair<double, double>> decode_spread_;
    QGraphicsPathItem* whiskers_;
    QVector<const char*> set_names_;  // untranslated
    QBarCategoryAxis* axis_x_;
    QValueAxis* axis_y_;
};

// Common look for every chart in the app.
void styleChart(QChart* chart);
// The app's series colours (blue, orange, green, purple), repeating.
QColor seriesColor(int i);

}  // namespace moe::gui
