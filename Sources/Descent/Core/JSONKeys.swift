import Foundation

/// Repeated keys in a JSON object. `JSONSerialization` keeps the last value of a key given
/// twice, so a file could show one reader one value and another reader another; readers of
/// files from outside (safetensors headers) refuse such objects instead.
enum JSONKeys {
    /// The first key that appears twice at the top level of the JSON object `json`, if any
    /// (keys compared after unescaping, so `"a"` and `"\u0061"` are one key). `json` is
    /// expected to be valid JSON (check it first); the scan is linear.
    static func firstRepeatedTopLevelKey(_ json: [UInt8]) -> String? {
        let quote = UInt8(ascii: "\""), backslash = UInt8(ascii: "\\")
        var depth = 0, i = 0
        var seen = Set<String>()
        while i < json.count {
            let c = json[i]
            if c == quote {
                let start = i
                i += 1
                while i < json.count && json[i] != quote { i += json[i] == backslash ? 2 : 1 }
                let end = Swift.min(i, json.count - 1)
                i += 1
                guard depth == 1 else { continue }
                var j = i
                while j < json.count, [0x20, 0x09, 0x0A, 0x0D].contains(json[j]) { j += 1 }
                guard j < json.count, json[j] == UInt8(ascii: ":") else { continue }
                let token = Array(json[start...end])
                let key = (try? JSONSerialization.jsonObject(with: Data(token), options: .fragmentsAllowed) as? String)
                    ?? String(decoding: token, as: UTF8.self)
                if !seen.insert(key).inserted { return key }
                continue
            }
            if c == UInt8(ascii: "{") || c == UInt8(ascii: "[") { depth += 1 }
            if c == UInt8(ascii: "}") || c == UInt8(ascii: "]") { depth -= 1 }
            i += 1
        }
        return nil
    }
}
