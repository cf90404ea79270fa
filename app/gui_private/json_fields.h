// Strict reads from an untrusted JSON object (a session file someone sent): a missing field or
// one of the wrong type is an error naming the field's path ("model.n_layer") and what was
// there, never a silent 0 as QJsonValue::toInt() would give.
#pragma once

#include <QJsonObject>

#include <cstdint>
#include <map>
#include <string>
#include <vector>

namespace moe::gui {

class JsonFields {
public:
    JsonFields(QJsonObject object, std::string path);

    bool has(const char* key) const { return object_.contains(QLatin1String(key)); }  // optional fields
    int integer(const char* key) const;
    int64_t int64(const char* key) const;  // a decimal string: a JSON double holds only 53 bits
    double real(const char* key) const;
    bool boolean(const char* key) const;
    std::string text(const char* key) const;  // UTF-8
    std::string base64(const char* key) const;
    std::vector<float> base64Floats(const char* key) const;  // little-endian float32
    std::vector<int> integers(const char* key) const;
    std::vector<double> reals(const char* key) const;
    std::vector<std::string> texts(const char* key) const;  // an array of UTF-8 strings
    std::map<std::string, int64_t> int64Map(const char* key) const;  // an object of int64 strings
    JsonFields object(const char* key) const;
    std::vector<JsonFields> objects(const char* key) const;  // an array of objects
    std::string where(const char* key) const;  // "tokens[3].moe_layers"
    const std::string& path() const { return path_; }

private:
    QJsonValue get(const char* key) const;
    QJsonArray array(const char* key) const;

    QJsonObject object_;
    std::string path_;
};

// The value as it appears in the file, cut to a readable length, for error messages.
std::string describeJson(const QJsonValue& value);

}  // namespace moe::gui
