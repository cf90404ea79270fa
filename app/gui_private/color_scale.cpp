#include "gui_private/color_scale.h"

#include <algorithm>
#include <array>
#include <cmath>

namespace moe::gui {

namespace {
// ColorBrewer "Blues" anchors, interpolated linearly in RGB.
constexpr std::array<QRgb, 6> kAnchors = {0xfff7fbff, 0xffdeebf7, 0xff9ecae1, 0xff4292c6, 0xff08519c, 0xff08306b};

int mix(int a, int b, double t) { return static_cast<int>(std::lround(a + (b - a) * t)); }
}  // namespace

double ColorScale::position(double value) const {
    if (!(value > 0) || !(max > 0)) return 0.0;
    const double t = std::min(1.0, value / max);
    return sqrt ? std::sqrt(t) : t;
}

QRgb ColorScale::rgb(double value) const {
    // A lookup table: heatmap rebuilds colour ~270k cells at a time.
    static const std::array<QRgb, 1024> table = [] {
        std::array<QRgb, 1024> t{};
        for (size_t i = 0; i < t.size(); ++i) t[i] = rgbAt(double(i) / (t.size() - 1));
        return t;
    }();
    return table[static_cast<size_t>(position(value) * (table.size() - 1) + 0.5)];
}

QRgb ColorScale::rgbAt(double position) {
    const double scaled = std::clamp(position, 0.0, 1.0) * (kAnchors.size() - 1);
    const auto i = std::min(static_cast<size_t>(scaled), kAnchors.size() - 2);
    const double t = scaled - static_cast<double>(i);
    const QRgb a = kAnchors[i], b = kAnchors[i + 1];
    return qRgb(mix(qRed(a), qRed(b), t), mix(qGreen(a), qGreen(b), t), mix(qBlue(a), qBlue(b), t));
}

QColor expertColor(int expert) {
    if (expert < 0) return QColor(0xe0, 0xe0, 0xe0);
    constexpr double kGoldenAngle = 137.508;
    const double hue = std::fmod(expert * kGoldenAngle, 360.0);
    // Alternate lightness so neighbours in hue still differ.
    const double value = expert % 2 == 0 ? 0.96 : 0.86;
    return QColor::fromHsvF(static_cast<float>(hue / 360.0), 0.42f, static_cast<float>(value));
}

}  // namespace moe::gui
