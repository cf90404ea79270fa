// Colours for the heatmaps (a sequential light-to-dark blue scale, so the empty majority of
// cells stays calm and chosen experts stand out) and for expert ids (categorical).
#pragma once

#include <QColor>

namespace moe::gui {

struct ColorScale {
    double max = 1.0;   // value mapped to the darkest colour
    bool sqrt = false;  // sqrt mapping: small probabilities stay visible next to large ones

    double position(double value) const;  // 0..1 along the scale
    QRgb rgb(double value) const;
    static QRgb rgbAt(double position);   // the gradient itself, for legends
};

// A stable, distinguishable pastel colour per expert id (golden-angle hue steps).
QColor expertColor(int expert);

}  // namespace moe::gui
