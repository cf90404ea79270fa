#include "import/npy.h"

#include <algorithm>
#include <cstring>
#include <limits>
#include <stdexcept>

#include "quant/quant.h"

namespace moe::import {

namespace {

constexpr char kMagic[] = "\x93NUMPY";
constexpr size_t kMaxHeader = 1 << 16;
constexpr size_t kChunkElements = 1 << 16;

[[noreturn]] void fail(const std::string& where, const std::string& problem) {
    throw std::runtime_error(where + ": " + problem);
}

// The text after `'key':` in the header dict, with leading spaces skipped.
std::string_view value_of(std::string_view dict, std::string_view key, const std::string& where) {
    const std::string quoted = std::string(1, '\'').append(key).append(1, '\'');
    const size_t at = dict.find(quoted);
    if (at == std::string_view::npos) fail(where, "npy header has no '" + std::string(key) + "'");
    size_t v = dict.find(':', at + quoted.size());
    if (v == std::string_view::npos) fail(where, "npy header is malformed");
    ++v;
    while (v < dict.size() && dict[v] == ' ') ++v;
    return dict.substr(v);
}

std::vector<uint64_t> parse_shape(std::string_view text, const std::string& where) {
    if (text.empty() || text[0] != '(') fail(where, "npy header has a malformed shape");
    const size_t close = text.find(')');
    if (close == std::string_view::npos) fail(where, "npy header has a malformed shape");
    std::vector<uint64_t> shape;
    size_t i = 1;
    while (i < close) {
        while (i < close && (text[i] == ' ' || text[i] == ',')) ++i;
        if (i >= close) break;
        uint64_t value = 0;
        const size_t start = i;
        while (i < close && text[i] >= '0' && text[i] <= '9') {
            if (value > (std::numeric_limits<uint64_t>::max() - 9) / 10) fail(where, "npy shape is too large");
            value = value * 10 + static_cast<uint64_t>(text[i] - '0');
            ++i;
        }
        if (i == start || (i < close && text[i] != ',' && text[i] != ' ' && text[i] != 'L'))
            fail(where, "npy header has a malformed shape");
        if (i < close && text[i] == 'L') ++i;
        shape.push_back(value);
    }
    return shape;
}

void parse_descr(std::string_view text, NpyHeader& header, const std::string& where) {
    if (text.size() < 2 || text[0] != '\'') fail(where, "unsupported dtype (structured arrays are not read)");
    const size_t close = text.find('\'', 1);
    if (close == std::string_view::npos) fail(where, "npy header is malformed");
    header.descr = std::string(text.substr(1, close - 1));
    const std::string& d = header.descr;
    if (d.size() < 3) fail(where, "unsupported dtype '" + d + "'");
    const char order = d[0];
    header.kind = d[1];
    int size = 0;
    for (size_t i = 2; i < d.size(); ++i) {
        if (d[i] < '0' || d[i] > '9' || size > 1000000) fail(where, "unsupported dtype '" + d + "'");
        size = size * 10 + (d[i] - '0');
    }
    if (order == '>') fail(where, "dtype '" + d + "' is big-endian (save little-endian arrays)");
    const bool numeric_ok = (header.kind == 'i' || header.kind == 'u') ? (size == 1 || size == 2 || size == 4 || size == 8)
                            : header.kind == 'f'                      ? (size == 2 || size == 4 || size == 8)
                                                                      : false;
    if (header.kind == 'S' || header.kind == 'U') {
        if (size == 0) fail(where, "unsupported dtype '" + d + "'");
        header.item_size = header.kind == 'U' ? size * 4 : size;
        return;
    }
    if (!numeric_ok || (order != '<' && order != '|' && order != '='))
        fail(where, "unsupported dtype '" + d + "' (expected <i2 <i4 <i8 <f2 <f4 <f8)");
    header.item_size = size;
}

template <typename Out, typename Sink>
void stream_elements(ByteStream& in, const NpyHeader& header, const std::string& where, const Sink& sink,
                     Out (*convert)(const unsigned char*, const NpyHeader&)) {
    uint64_t remaining = header.count();
    const auto chunk = static_cast<size_t>(std::min<uint64_t>(remaining, kChunkElements));  // small arrays, small buffers
    std::vector<unsigned char> raw(chunk * static_cast<size_t>(header.item_size));
    std::vector<Out> values(chunk);
    while (remaining > 0) {
        const size_t n = static_cast<size_t>(std::min<uint64_t>(remaining, chunk));
        try {
            in.read_exact(raw.data(), n * static_cast<size_t>(header.item_size));
        } catch (const std::runtime_error& e) {
            const std::string what = e.what();
            fail(where, what == "ends early" ? "array data ends early (truncated file)" : what);
        }
        for (size_t i = 0; i < n; ++i) values[i] = convert(raw.data() + i * static_cast<size_t>(header.item_size), header);
        sink(values.data(), n);
        remaining -= n;
    }
}

template <typename T>
T load(const unsigned char* p) {
    T v;
    std::memcpy(&v, p, sizeof v);  // little-endian host (x86-64, AArch64)
    return v;
}

int64_t to_int(const unsigned char* p, const NpyHeader& h) {
    const bool is_signed = h.kind == 'i';
    switch (h.item_size) {
        // Each branch widens on its own: a ?: over int32_t and uint32_t would make -1 unsigned.
        case 1: return is_signed ? int64_t{load<int8_t>(p)} : int64_t{load<uint8_t>(p)};
        case 2: return is_signed ? int64_t{load<int16_t>(p)} : int64_t{load<uint16_t>(p)};
        case 4: return is_signed ? int64_t{load<int32_t>(p)} : int64_t{load<uint32_t>(p)};
        default: {
            if (is_signed) return load<int64_t>(p);
            const uint64_t u = load<uint64_t>(p);
            return u > static_cast<uint64_t>(std::numeric_limits<int64_t>::max()) ? std::numeric_limits<int64_t>::max()
                                                                                  : static_cast<int64_t>(u);
        }
    }
}

float to_float(const unsigned char* p, const NpyHeader& h) {
    if (h.kind != 'f') return static_cast<float>(to_int(p, h));
    switch (h.item_size) {
        case 2: return quant::fp16_to_fp32(load<uint16_t>(p));
        case 4: return load<float>(p);
        default: return static_cast<float>(load<double>(p));
    }
}

void append_utf8(std::string& out, uint32_t c) {
    if (c < 0x80) {
        out.push_back(static_cast<char>(c));
    } else if (c < 0x800) {
        out.push_back(static_cast<char>(0xC0 | (c >> 6)));
        out.push_back(static_cast<char>(0x80 | (c & 0x3F)));
    } else if (c < 0x10000) {
        out.push_back(static_cast<char>(0xE0 | (c >> 12)));
        out.push_back(static_cast<char>(0x80 | ((c >> 6) & 0x3F)));
        out.push_back(static_cast<char>(0x80 | (c & 0x3F)));
    } else {
        out.push_back(static_cast<char>(0xF0 | (c >> 18)));
        out.push_back(static_cast<char>(0x80 | ((c >> 12) & 0x3F)));
        out.push_back(static_cast<char>(0x80 | ((c >> 6) & 0x3F)));
        out.push_back(static_cast<char>(0x80 | (c & 0x3F)));
    }
}

}  // namespace

uint64_t NpyHeader::count() const {
    uint64_t n = 1;
    for (uint64_t d : shape) n *= d;
    return n;
}

std::string NpyHeader::shape_text() const {
    std::string text = "[";
    for (size_t i = 0; i < shape.size(); ++i) text += (i ? ", " : "") + std::to_string(shape[i]);
    return text + "]";
}

NpyHeader read_npy_header(ByteStream& in, const std::string& where) {
    unsigned char prefix[10];
    try {
        in.read_exact(prefix, sizeof prefix);
    } catch (const std::runtime_error&) {
        fail(where, "not a .npy array (too short)");
    }
    if (std::memcmp(prefix, kMagic, 6) != 0) fail(where, "not a .npy array (bad magic)");
    const int major = prefix[6];
    size_t header_length = prefix[8] | (prefix[9] << 8);
    std::string dict;
    if (major >= 2) {
        unsigned char more[2];
        try {
            in.read_exact(more, 2);
        } catch (const std::runtime_error&) {
            fail(where, "npy header ends early");
        }
        header_length |= static_cast<size_t>(more[0]) << 16 | static_cast<size_t>(more[1]) << 24;
    } else if (major != 1) {
        fail(where, "unsupported .npy version " + std::to_string(major));
    }
    if (header_length > kMaxHeader) fail(where, "npy header is too long");
    dict.resize(header_length);
    try {
        in.read_exact(dict.data(), header_length);
    } catch (const std::runtime_error&) {
        fail(where, "npy header ends early");
    }
    NpyHeader header;
    parse_descr(value_of(dict, "descr", where), header, where);
    if (value_of(dict, "fortran_order", where).substr(0, 4) != "Fals")
        fail(where, "array is in Fortran order (save C-order arrays, e.g. np.ascontiguousarray)");
    header.shape = parse_shape(value_of(dict, "shape", where), where);
    uint64_t count = 1;
    for (uint64_t d : header.shape) {
        if (d != 0 && count > (uint64_t{1} << 48) / d) fail(where, "array shape " + header.shape_text() + " is too large");
        count *= d;
    }
    return header;
}

void read_npy_ints(ByteStream& in, const NpyHeader& header, const std::string& where,
                   const std::function<void(const int64_t*, size_t)>& sink) {
    if (header.kind != 'i' && header.kind != 'u')
        fail(where, "has dtype '" + header.descr + "', expected an integer dtype (<i2 <i4 <i8)");
    stream_elements<int64_t>(in, header, where, sink, to_int);
}

void read_npy_floats(ByteStream& in, const NpyHeader& header, const std::string& where,
                     const std::function<void(const float*, size_t)>& sink) {
    if (header.kind != 'i' && header.kind != 'u' && header.kind != 'f')
        fail(where, "has dtype '" + header.descr + "', expected a float dtype (<f2 <f4 <f8)");
    stream_elements<float>(in, header, where, sink, to_float);
}

std::vector<std::string> read_npy_strings(ByteStream& in, const NpyHeader& header, const std::string& where) {
    if (header.kind != 'S' && header.kind != 'U')
        fail(where, "has dtype '" + header.descr + "', expected a string (|S or <U)");
    std::vector<std::string> out;
    std::vector<unsigned char> raw(static_cast<size_t>(header.item_size));
    for (uint64_t i = 0; i < header.count(); ++i) {
        try {
            in.read_exact(raw.data(), raw.size());
        } catch (const std::runtime_error&) {
            fail(where, "array data ends early (truncated file)");
        }
        std::string text;
        if (header.kind == 'S') {
            text.assign(reinterpret_cast<const char*>(raw.data()), raw.size());
        } else {
            for (size_t c = 0; c < raw.size(); c += 4) {
                const uint32_t code = load<uint32_t>(raw.data() + c);
                if (code > 0x10FFFF) fail(where, "has an invalid unicode character");
                append_utf8(text, code);
            }
        }
        while (!text.empty() && text.back() == '\0') text.pop_back();
        out.push_back(std::move(text));
    }
    return out;
}

std::string npy_bytes(std::string_view descr, const std::vector<uint64_t>& shape, std::string_view data) {
    std::string shape_text = "(";
    for (size_t i = 0; i < shape.size(); ++i) shape_text += (i ? ", " : "") + std::to_string(shape[i]);
    shape_text += shape.size() == 1 ? ",)" : ")";  // Python spells a 1-tuple "(n,)"
    std::string dict = "{'descr': '" + std::string(descr) + "', 'fortran_order': False, 'shape': " + shape_text + ", }";
    // Magic, version, length and dict end on a multiple of 64 with a newline, as NumPy writes.
    const size_t unpadded = 10 + dict.size() + 1;
    dict.append((64 - unpadded % 64) % 64, ' ');
    dict.push_back('\n');
    std::string out(kMagic, 6);
    out.push_back('\x01');
    out.push_back('\x00');
    out.push_back(static_cast<char>(dict.size() & 0xFF));
    out.push_back(static_cast<char>(dict.size() >> 8));
    out += dict;
    out += data;
    return out;
}

FileByteStream::FileByteStream(const std::string& path) : file_(path, std::ios::binary) {
    if (!file_) throw std::runtime_error(path + ": cannot open the file");
    file_.seekg(0, std::ios::end);
    left_ = static_cast<uint64_t>(file_.tellg());
    file_.seekg(0);
}

size_t FileByteStream::read(void* out, size_t n) {
    file_.read(static_cast<char*>(out), static_cast<std::streamsize>(n));
    const auto got = static_cast<size_t>(file_.gcount());
    left_ -= std::min<uint64_t>(left_, got);
    return got;
}

}  // namespace moe::import
