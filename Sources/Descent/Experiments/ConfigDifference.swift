import Foundation

/// The first field in which two configurations differ, for messages such as
/// "the checkpoint was trained with optimizer.kind = adam, the command asks for sgd".
///
/// Both values are compared as JSON objects, keys in sorted order, depth first; the result
/// names the path of the first differing field (`optimizer.lr`) and both values, or is nil
/// when they encode alike. Fields whose path is in `ignoring` (e.g. `config.epochs`) are skipped.
public func firstDifference<T: Encodable>(_ a: T, _ b: T, ignoring: Set<String> = []) -> (field: String, first: String, second: String)? {
    let encoder = JSONEncoder()
    encoder.outputFormatting = [.sortedKeys]
    guard let da = try? encoder.encode(a), let db = try? encoder.encode(b),
          let ja = try? JSONSerialization.jsonObject(with: da, options: [.fragmentsAllowed]),
          let jb = try? JSONSerialization.jsonObject(with: db, options: [.fragmentsAllowed]) else { return nil }
    return difference(ja, jb, path: "", ignoring: ignoring)
}

private func difference(_ a: Any?, _ b: Any?, path: String, ignoring: Set<String>) -> (String, String, String)? {
    switch (a, b) {
    case (let x as [String: Any], let y as [String: Any]):
        for key in Set(x.keys).union(y.keys).sorted() {
            let sub = path.isEmpty ? key : "\(path).\(key)"
            if ignoring.contains(sub) { continue }
            if let d = difference(x[key], y[key], path: sub, ignoring: ignoring) { return d }
        }
        return nil
    case (let x as [Any], let y as [Any]) where x.count == y.count:
        for (i, (u, v)) in zip(x, y).enumerated() {
            if let d = difference(u, v, path: "\(path)[\(i)]", ignoring: ignoring) { return d }
        }
        return nil
    default:
        let (sa, sb) = (render(a), render(b))
        return sa == sb ? nil : (path.isEmpty ? "value" : path, sa, sb)
    }
}

private func render(_ value: Any?) -> String {
    guard let value, !(value is NSNull) else { return "(none)" }
    if let s = value as? String { return s }
    if let d = try? JSONSerialization.data(withJSONObject: value, options: [.sortedKeys, .fragmentsAllowed]) {
        return String(decoding: d, as: UTF8.self)
    }
    return "\(value)"
}

/// The top-level fields (JSON keys, sorted) in which not all of `values` agree, e.g.
/// `["epochs", "train_limit"]` for runs of 10 and 20 epochs, some on the first 10,000
/// images; a key absent from some values differs from one present. Keys in `ignoring` are
/// left out.
public func differingFields<T: Encodable>(_ values: [T], ignoring: Set<String> = []) -> [String] {
    let encoder = JSONEncoder()
    encoder.outputFormatting = [.sortedKeys]
    let objects = values.map { v -> [String: Any] in
        guard let d = try? encoder.encode(v), let o = try? JSONSerialization.jsonObject(with: d) as? [String: Any] else { return [:] }
        return o
    }
    let keys = Set(objects.flatMap(\.keys)).subtracting(ignoring).sorted()
    return keys.filter { key in Set(objects.map { render($0[key]) }).count > 1 }
}
