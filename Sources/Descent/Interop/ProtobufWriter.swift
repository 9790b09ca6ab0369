/// A minimal Protocol Buffers encoder: the wire format (proto3) for the few messages Descent
/// writes, the ONNX model (`ONNXModel`) and TensorBoard's events (`TensorBoardEvent`).
///
/// ```
/// a field = key, value;  key = varint(field number << 3 | wire type)
/// wire type 0: varint (int32, int64, bool, enum; negative numbers as 10-byte two's complement)
/// wire type 1: 8 bytes little-endian (double)
/// wire type 2: varint(length), bytes (string, bytes, embedded message, packed repeated)
/// wire type 5: 4 bytes little-endian (float)
/// ```
/// Only writing, only these four wire types: a message is built by appending its fields in
/// field-number order (as the reference encoders do; readers accept any order). See
/// https://protobuf.dev/programming-guides/encoding/.
public struct ProtobufWriter {
    /// The encoded message so far.
    public private(set) var bytes: [UInt8] = []

    public init() {}

    /// The base-128 varint of `value`, low 7 bits first, high bit set on every byte but the last.
    mutating func varint(_ value: UInt64) {
        var v = value
        while v >= 0x80 {
            bytes.append(UInt8(truncatingIfNeeded: v) | 0x80)
            v >>= 7
        }
        bytes.append(UInt8(v))
    }

    mutating func key(_ field: Int, _ wireType: UInt64) { varint(UInt64(field) << 3 | wireType) }

    /// An int64/int32/enum/bool field (wire type 0).
    public mutating func int(_ field: Int, _ value: Int) {
        key(field, 0)
        varint(UInt64(bitPattern: Int64(value)))
    }

    /// A double field (wire type 1).
    public mutating func double(_ field: Int, _ value: Double) {
        key(field, 1)
        withUnsafeBytes(of: value.bitPattern.littleEndian) { bytes.append(contentsOf: $0) }
    }

    /// A float field (wire type 5).
    public mutating func float(_ field: Int, _ value: Float) {
        key(field, 5)
        withUnsafeBytes(of: value.bitPattern.littleEndian) { bytes.append(contentsOf: $0) }
    }

    /// A bytes field (wire type 2).
    public mutating func bytes(_ field: Int, _ value: [UInt8]) {
        key(field, 2)
        varint(UInt64(value.count))
        bytes.append(contentsOf: value)
    }

    /// A string field: its UTF-8 bytes.
    public mutating func string(_ field: Int, _ value: String) { bytes(field, Array(value.utf8)) }

    /// An embedded message field, written by `body` into a writer of its own.
    public mutating func message(_ field: Int, _ body: (inout ProtobufWriter) -> Void) {
        var inner = ProtobufWriter()
        body(&inner)
        bytes(field, inner.bytes)
    }

    /// A packed repeated int64 field (wire type 2 holding the varints).
    public mutating func packedInts(_ field: Int, _ values: [Int]) {
        var inner = ProtobufWriter()
        for v in values { inner.varint(UInt64(bitPattern: Int64(v))) }
        bytes(field, inner.bytes)
    }

    /// A packed repeated float field (wire type 2 holding 4 little-endian bytes each).
    public mutating func packedFloats(_ field: Int, _ values: UnsafeBufferPointer<Float>) {
        key(field, 2)
        varint(UInt64(values.count * 4))
        bytes.reserveCapacity(bytes.count + values.count * 4)
        for v in values { withUnsafeBytes(of: v.bitPattern.littleEndian) { bytes.append(contentsOf: $0) } }
    }
}
