// A small streaming JSON writer for the CLI's --json outputs (no DOM, no dependencies).
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace moe {

class JsonWriter {
public:
    JsonWriter& begin_object();
    JsonWriter& end_object();
    JsonWriter& begin_array();
    JsonWriter& end_array();
    JsonWriter& key(std::string_view name);
    JsonWriter& value(std::string_view text);
    JsonWriter& value(const char* text) { return value(std::string_view(text)); }
    JsonWriter& value(double number);  // NaN and infinities become null
    JsonWriter& value(int64_t number);
    JsonWriter& value(int number) { return value(static_cast<int64_t>(number)); }
    JsonWriter& value(bool flag);
    JsonWriter& raw_value(std::string_view json);  // an already serialised JSON value
    template <typename T>
    JsonWriter& array(const std::vector<T>& items) {
        begin_array();
        for (const auto& item : items) value(item);
        return end_array();
    }
    const std::string& str() const { return out_; }

private:
    void separate();
    std::string out_;
    std::vector<bool> first_;  // per open container: nothing written yet
    bool after_key_ = false;
};

// Escapes text for a JSON string; bytes that are not valid UTF-8 become U+FFFD.
std::string json_escape(std::string_view text);

}  // namespace moe
