"""A minimal GGUF v3 writer and reader (reference §1), little-endian, alignment 32.

Values carry their GGUF type explicitly (llama.cpp checks key types strictly), e.g. U32(5), F32(1e-6).
Tensors are numpy arrays in row-major (torch) layout; the GGUF dims ne are their shape reversed.
"""
import struct

import numpy as np

ALIGNMENT = 32
GGUF_MAGIC = b"GGUF"
GGUF_VERSION = 3

# metadata value types (§1.2)
T_UINT8, T_INT8, T_UINT16, T_INT16, T_UINT32, T_INT32, T_FLOAT32, T_BOOL, T_STRING, T_ARRAY, \
    T_UINT64, T_INT64, T_FLOAT64 = range(13)
SCALAR_FORMATS = {T_UINT8: "<B", T_INT8: "<b", T_UINT16: "<H", T_INT16: "<h", T_UINT32: "<I",
                  T_INT32: "<i", T_FLOAT32: "<f", T_BOOL: "<?", T_UINT64: "<Q", T_INT64: "<q",
                  T_FLOAT64: "<d"}

# tensor types (§4.1) this tool writes
GGML_F32, GGML_F16 = 0, 1
TENSOR_DTYPES = {GGML_F32: np.float32, GGML_F16: np.float16}


class Value:
    def __init__(self, gguf_type, value, element_type=None):
        self.type, self.value, self.element_type = gguf_type, value, element_type


def U32(v): return Value(T_UINT32, int(v))
def I32(v): return Value(T_INT32, int(v))
def F32(v): return Value(T_FLOAT32, float(v))
def BOOL(v): return Value(T_BOOL, bool(v))
def STR(v): return Value(T_STRING, str(v))
def ARRAY(element_type, values): return Value(T_ARRAY, list(values), element_type)


def _align(n):
    return n + (ALIGNMENT - n % ALIGNMENT) % ALIGNMENT


def _string(s):
    data = s.encode("utf-8")
    return struct.pack("<Q", len(data)) + data


def _scalar(gguf_type, value):
    if gguf_type == T_STRING:
        return _string(value)
    return struct.pack(SCALAR_FORMATS[gguf_type], value)


def _value(v):
    if v.type != T_ARRAY:
        return struct.pack("<I", v.type) + _scalar(v.type, v.value)
    head = struct.pack("<IIQ", T_ARRAY, v.element_type, len(v.value))
    if v.element_type == T_STRING:
        return head + b"".join(_string(s) for s in v.value)
    dtype = np.dtype(SCALAR_FORMATS[v.element_type])
    return head + np.asarray(v.value, dtype=dtype).tobytes()


def write(path, metadata, tensors):
    """metadata: {key: Value} (written in insertion order); tensors: [(name, ggml_type, np.ndarray)]."""
    header = bytearray(GGUF_MAGIC + struct.pack("<IQQ", GGUF_VERSION, len(tensors), len(metadata)))
    for key, value in metadata.items():
        header += _string(key) + _value(value)
    blobs, offset = [], 0
    for name, ggml_type, array in tensors:
        data = np.ascontiguousarray(array, dtype=TENSOR_DTYPES[ggml_type]).tobytes()
        ne = array.shape[::-1]
        header += _string(name) + struct.pack("<I", len(ne)) + struct.pack(f"<{len(ne)}Q", *ne)
        header += struct.pack("<IQ", ggml_type, offset)
        blobs.append(data)
        offset = _align(offset + len(data))
    with open(path, "wb") as f:
        f.write(header)
        f.write(b"\0" * (_align(len(header)) - len(header)))
        for data in blobs:
            f.write(data)
            f.write(b"\0" * (_align(len(data)) - len(data)))


class Reader:
    """Reads a whole GGUF into .metadata {key: python value}, .types {key: gguf type} and
    .tensors {name: np.ndarray in row-major layout}. Only F32/F16 tensor data is decoded."""

    def __init__(self, path):
        with open(path, "rb") as f:
            self.buf = f.read()
        self.pos = 0
        if self.buf[:4] != GGUF_MAGIC:
            raise ValueError(f"{path}: not a GGUF file")
        self.pos = 4
        self.version, n_tensors, n_kv = self._unpack("<IQQ")
        self.metadata, self.types, self.tensor_info = {}, {}, {}
        for _ in range(n_kv):
            key = self._string()
            (value_type,) = self._unpack("<I")
            self.types[key] = value_type
            self.metadata[key] = self._read_value(value_type)
        for _ in range(n_tensors):
            name = self._string()
            (n_dims,) = self._unpack("<I")
            ne = self._unpack(f"<{n_dims}Q")
            ggml_type, offset = self._unpack("<IQ")
            self.tensor_info[name] = (tuple(ne), ggml_type, offset)
        alignment = self.metadata.get("general.alignment", ALIGNMENT)
        data_start = self.pos + (alignment - self.pos % alignment) % alignment
        self.tensors = {}
        for name, (ne, ggml_type, offset) in self.tensor_info.items():
            if ggml_type not in TENSOR_DTYPES:
                continue
            count = int(np.prod(ne))
            self.tensors[name] = np.frombuffer(self.buf, dtype=TENSOR_DTYPES[ggml_type], count=count,
                                               offset=data_start + offset).reshape(ne[::-1])

    def _unpack(self, fmt):
        values = struct.unpack_from(fmt, self.buf, self.pos)
        self.pos += struct.calcsize(fmt)
        return values

    def _string(self):
        (n,) = self._unpack("<Q")
        s = self.buf[self.pos:self.pos + n].decode("utf-8")
        self.pos += n
        return s

    def _read_value(self, value_type):
        if value_type == T_STRING:
            return self._string()
        if value_type == T_ARRAY:
            element_type, count = self._unpack("<IQ")
            return [self._read_value(element_type) for _ in range(count)]
        (value,) = self._unpack(SCALAR_FORMATS[value_type])
        return value
