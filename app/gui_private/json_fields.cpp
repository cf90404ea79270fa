#include "gui_private/json_fields.h"

#include <QJsonArray>
#include <QJsonDocument>
#include <QtEndian>

#include <cmath>
#include <limits>
#include <stdexcept>

namespace moe::gui {

namespace {

[[noreturn]] void fail(const std::string& where, const QJsonValue& value, const char* expected) {
    if (value.isUndefined()) throw std::runtime_error("session file: " + where + " is missing");
    throw std::runtime_error("session file: " + where + " is " + describeJson(value) + " (expected " + expected + ")");
}

bool isInteger(const QJsonValue& v, double lo, double hi) {
    if (!v.isDouble()) return false;
    const double d = v.toDouble();
    return std::floor(d) == d && d >= lo && d <= hi;
}

int toInt(const QJsonValue& v, const std::string& where) {
    if (!isInteger(v, std::numeric_limits<int>::min(), std::numeric_limits<int>::max())) fail(where, v, "an integer");
    return static_cast<int>(v.toDouble());
}

int64_t toInt64(const QJsonValue& v, const std::string& where) {
    bool ok = false;
    const qlonglong value = v.toString().toLongLong(&ok);
    if (!v.isString() || !ok) fail(where, v, "a 64-bit integer in a string");
    return value;
}

double toReal(const QJsonValue& v, const std::string& where) {
    if (!v.isDouble() || !std::isfinite(v.toDouble())) fail(where, v, "a number");
    return v.toDouble();
}

QByteArray decodeBase64(const QJsonValue& v, const std::string& where) {
    if (!v.isString()) fail(where, v, "base64 text");
    auto decoded = QByteArray::fromBase64Encoding(v.toString().toLatin1(), QByteArray::AbortOnBase64DecodingErrors);
    if (!decoded) fail(where, v, "base64 text");
    return *decoded;
}

}  // namespace

std::string describeJson(const QJsonValue& value) {
    constexpr qsizetype kShown = 40;
    QByteArray text = QJsonDocument(QJsonArray{value}).toJson(QJsonDocument::Compact);
    text = text.mid(1, text.size() - 2);  // drop the wrapping [ ]
    if (text.size() > kShown) text = text.left(kShown) + "...";
    return text.toStdString();
}

JsonFields::JsonFields(QJsonObject object, std::string path) : object_(std::move(object)), path_(std::move(path)) {}

std::string JsonFields::where(const char* key) const { return path_.empty() ? key : path_ + "." + key; }

QJsonValue JsonFields::get(const char* key) const { return object_.value(QLatin1String(key)); }

int JsonFields::integer(const char* key) const { return toInt(get(key), where(key)); }

int64_t JsonFields::int64(const char* key) const { return toInt64(get(key), where(key)); }

std::map<std::string, int64_t> JsonFields::int64Map(const char* key) const {
    const QJsonObject values = object(key).object_;
    std::map<std::string, int64_t> out;
    for (auto it = values.begin(); it != values.end(); ++it) {
        out[it.key().toStdString()] = toInt64(it.value(), where(key) + "." + it.key().toStdString());
    }
    return out;
}

double JsonFields::real(const char* key) const { return toReal(get(key), where(key)); }

bool JsonFields::boolean(const char* key) const {
    const QJsonValue v = get(key);
    if (!v.isBool()) fail(where(key), v, "true or false");
    return v.toBool();
}

std::string JsonFields::text(const char* key) const {
    const QJsonValue v = get(key);
    if (!v.isString()) fail(where(key), v, "a string");
    return v.toString().toStdString();
}

std::string JsonFields::base64(const char* key) const { return decodeBase64(get(key), where(key)).toStdString(); }

std::vector<float> JsonFields::base64Floats(const char* key) const {
    const QByteArray bytes = decodeBase64(get(key), where(key));
    if (bytes.size() % static_cast<qsizetype>(sizeof(float)) != 0) fail(where(key), get(key), "whole float32 values");
    std::vector<float> out(static_cast<size_t>(bytes.size()) / sizeof(float));
    for (size_t i = 0; i < out.size(); ++i) out[i] = qFromLittleEndian<float>(bytes.constData() + i * sizeof(float));
    return out;
}

QJsonArray JsonFields::array(const char* key) const {
    const QJsonValue v = get(key);
    if (!v.isArray()) fail(where(key), v, "an array");
    return v.toArray();
}

std::vector<int> JsonFields::integers(const char* key) const {
    std::vector<int> out;
    const QJsonArray values = array(key);
    for (qsizetype i = 0; i < values.size(); ++i) out.push_back(toInt(values[i], where(key) + "[" + std::to_string(i) + "]"));
    return out;
}

std::vector<std::string> JsonFields::texts(const char* key) const {
    std::vector<std::string> out;
    const QJsonArray values = array(key);
    for (qsizetype i = 0; i < values.size(); ++i) {
        if (!values[i].isString()) fail(where(key) + "[" + std::to_string(i) + "]", values[i], "a string");
        out.push_back(values[i].toString().toStdString());
    }
    return out;
}

std::vector<double> JsonFields::reals(const char* key) const {
    std::vector<double> out;
    const QJsonArray values = array(key);
    for (qsizetype i = 0; i < values.size(); ++i) out.push_back(toReal(values[i], where(key) + "[" + std::to_string(i) + "]"));
    return out;
}

JsonFields JsonFields::object(const char* key) const {
    const QJsonValue v = get(key);
    if (!v.isObject()) fail(where(key), v, "an object");
    return {v.toObject(), where(key)};
}

std::vector<JsonFields> JsonFields::objects(const char* key) const {
    std::vector<JsonFields> out;
    const QJsonArray values = array(key);
    for (qsizetype i = 0; i < values.size(); ++i) {
        const std::string at = where(key) + "[" + std::to_string(i) + "]";
        if (!values[i].isObject()) fail(at, values[i], "an object");
        out.emplace_back(values[i].toObject(), at);
    }
    return out;
}

}  // namespace moe::gui
