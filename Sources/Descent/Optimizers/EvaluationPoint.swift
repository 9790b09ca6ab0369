/// The point a rule evaluates, visited from inside a run of steps without disturbing it.
///
/// Between `beginTraining` and `endTraining` the parameters hold the point gradients are
/// taken at (Schedule-Free: y). A validation in the middle of an epoch (`descent benchmark`
/// validates every eval-every steps) must see the point the rule prescribes (x), as
/// torch's `optimizer.eval()` before and `optimizer.train()` after it do. The rule's own
/// round trip y → x → y rounds, so the training point is saved and written back bit for bit:
/// the run then continues exactly as if nothing had looked. For a rule whose two points are
/// the same (every rule but Schedule-Free) the moves are no-ops and only the copy is paid.
/// The buffer is kept between visits (no allocation in steady state).
public struct EvaluationPoint {
    private var saved: [Float] = []

    public init() {}

    /// Runs `body` with `parameters` at `optimizer`'s evaluation point; afterwards they hold
    /// the training point again, bit for bit, and the rule is training again.
    public mutating func visit<T>(_ parameters: [Parameter], of optimizer: Optimizer, _ body: () throws -> T) rethrows -> T {
        let total = parameters.reduce(0) { $0 + $1.value.count }
        if saved.count != total { saved = [Float](repeating: 0, count: total) }
        saved.withUnsafeMutableBufferPointer { s in
            var offset = 0
            for p in parameters {
                (s.baseAddress! + offset).update(from: p.value.data, count: p.value.count)
                offset += p.value.count
            }
        }
        optimizer.endTraining(parameters)
        defer {
            optimizer.beginTraining(parameters)
            saved.withUnsafeBufferPointer { s in
                var offset = 0
                for p in parameters {
                    p.value.data.update(from: s.baseAddress! + offset, count: p.value.count)
                    offset += p.value.count
                }
            }
        }
        return try body()
    }
}
