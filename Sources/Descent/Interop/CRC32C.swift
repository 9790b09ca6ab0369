/// CRC-32C (Castagnoli), the checksum of TFRecord framing: reflected polynomial 0x82F63B78,
/// initial value and final XOR 0xFFFFFFFF (check value: CRC32C("123456789") = 0xE3069283),
/// one table lookup per byte. `masked` is TensorFlow's masking of a stored CRC:
///
/// ```
/// masked(c) = ((c >> 15) | (c << 17)) + 0xA282EAD8   (mod 2³²)
/// ```
public enum CRC32C {
    static let table: [UInt32] = (0..<256).map { i in
        var c = UInt32(i)
        for _ in 0..<8 { c = c & 1 != 0 ? (c >> 1) ^ 0x82F6_3B78 : c >> 1 }
        return c
    }

    /// The CRC-32C of `bytes`.
    public static func checksum<C: Collection>(_ bytes: C) -> UInt32 where C.Element == UInt8 {
        var c: UInt32 = 0xFFFF_FFFF
        for b in bytes { c = table[Int((c ^ UInt32(b)) & 0xFF)] ^ (c >> 8) }
        return c ^ 0xFFFF_FFFF
    }

    /// The masked CRC-32C of `bytes`, as TFRecord stores it.
    public static func masked<C: Collection>(_ bytes: C) -> UInt32 where C.Element == UInt8 {
        let c = checksum(bytes)
        return ((c >> 15) | (c << 17)) &+ 0xA282_EAD8
    }
}
