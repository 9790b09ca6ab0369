import CKernels

/// Per-example work of a batch (a convolution: one im2col and a few products per example)
/// spread over the `Parallel` threads so that every result, sums over the batch included,
/// has the same bits on any thread count:
///
/// ```
/// lane l of L = 8 holds examples ⌊l·n/L⌋ ..< ⌊(l+1)·n/L⌋
/// each thread takes the next lane not yet taken until none is left (a thread slowed down
/// by other work on the machine takes fewer), and runs its examples in order
/// a lane adds its examples' contributions in order into its own partial sum (`LaneSums`),
/// and the partial sums are added in lane order
/// ```
/// Which thread runs a lane changes nothing but the time. Each example's products run on
/// one thread (`BLAS.gemmUnsplit`, single-threaded oneDNN) in that thread's own buffers
/// (`PartBuffers`), so what a product computes depends on its shape only.
enum ExampleLanes {
    /// Lanes per batch.
    static let count = 8

    /// The examples of lane `lane` in a batch of `n`.
    static func examples(lane: Int, of n: Int) -> Range<Int> { (lane * n / count) ..< ((lane + 1) * n / count) }

    /// The threads a pass uses (parts `0..<parts`).
    static var parts: Int { Swift.min(count, Parallel.threads) }

    /// Runs `body(lane, examples, part)` for every non-empty lane of a batch of `n`,
    /// concurrently across the parts of a `Parallel` job (`part`: which one runs the lane).
    static func run(examples n: Int, _ body: (Int, Range<Int>, Int) -> Void) {
        BLAS.beginPass()
        var next = 0
        withUnsafeMutablePointer(to: &next) { counter in
            Parallel.run(parts: parts) { part, _ in
                while true {
                    let lane = descent_fetch_add(counter, 1)
                    guard lane < count else { return }
                    let r = examples(lane: lane, of: n)
                    if !r.isEmpty { body(lane, r, part) }
                }
            }
        }
    }
}

/// One partial sum per lane of a gradient of `size` values (`ExampleLanes`), added into the
/// gradient in lane order.
struct LaneSums {
    let size: Int
    private let storage: Tensor

    init(size: Int) {
        self.size = size
        storage = Tensor(shape: [ExampleLanes.count, size])
    }

    /// The partial sum of lane `lane`.
    func lane(_ lane: Int) -> UnsafeMutablePointer<Float> { storage.data + lane * size }

    /// `gradient (+)= Σ_lanes partial`, lanes with examples (of a batch of `n`) in order;
    /// the gradient is overwritten when `overwrite`. Split by elements over `Parallel`.
    func add(into gradient: UnsafeMutablePointer<Float>, overwrite: Bool, examples n: Int) {
        let lanes = (0..<ExampleLanes.count).filter { !ExampleLanes.examples(lane: $0, of: n).isEmpty }
        let data = storage.data, size = size
        Parallel.forRanges(size, alignedTo: 16, elementsPerItem: lanes.count) { r in
            let g = gradient + r.lowerBound
            for (i, l) in lanes.enumerated() {
                let p = UnsafePointer(data + l * size + r.lowerBound)
                if i == 0 && overwrite {
                    g.update(from: p, count: r.count)
                } else {
                    for j in 0..<r.count { g[j] += p[j] }
                }
            }
        }
    }
}

extension LaneSums {
    /// As `add`, for partial sums that hold the transpose (`columns` × `rows`) of a `rows` ×
    /// `columns` gradient: `gradient[r, c] (+)= Σ_lanes partial[c, r]`, lanes in order. Split
    /// by rows of the gradient over `Parallel`.
    func addTransposed(into gradient: UnsafeMutablePointer<Float>, rows: Int, columns: Int, overwrite: Bool, examples n: Int) {
        precondition(rows * columns == size, "LaneSums: \(rows) × \(columns) is not \(size)")
        let lanes = (0..<ExampleLanes.count).filter { !ExampleLanes.examples(lane: $0, of: n).isEmpty }
        let partials = lanes.map { UnsafePointer(lane($0)) }
        Parallel.forRanges(rows, elementsPerItem: columns * lanes.count) { r in
            for row in r {
                let g = gradient + row * columns
                for (i, p) in partials.enumerated() {
                    if i == 0 && overwrite {
                        for c in 0..<columns { g[c] = p[c * rows + row] }
                    } else {
                        for c in 0..<columns { g[c] += p[c * rows + row] }
                    }
                }
            }
        }
    }
}

/// The per-lane sums of a convolution's weight and bias gradients.
struct ConvGradientSums {
    let weight: LaneSums
    let bias: LaneSums

    init(weightCount: Int, biasCount: Int) {
        weight = LaneSums(size: weightCount)
        bias = LaneSums(size: biasCount)
    }

    /// Adds the lanes' sums of a batch of `n` into the parameters' gradients; with
    /// `transposedWeight` (rows, columns) the weight's partial sums hold its transpose.
    func add(into w: Parameter, _ b: Parameter?, examples n: Int, transposedWeight: (rows: Int, columns: Int)? = nil) {
        let wg = w.gradientForAccumulation()
        if let t = transposedWeight {
            weight.addTransposed(into: wg.tensor.data, rows: t.rows, columns: t.columns, overwrite: wg.overwrite, examples: n)
        } else {
            weight.add(into: wg.tensor.data, overwrite: wg.overwrite, examples: n)
        }
        if let b {
            let bg = b.gradientForAccumulation()
            bias.add(into: bg.tensor.data, overwrite: bg.overwrite, examples: n)
        }
    }
}

/// Buffers of one thread of a pass (`ExampleLanes` part), kept across steps.
final class PartBuffers {
    private var tensors: [Tensor] = []

    /// Buffer `index` with room for `count` floats.
    func buffer(_ index: Int, count: Int) -> UnsafeMutablePointer<Float> {
        while tensors.count <= index { tensors.append(Tensor(shape: [0])) }
        if tensors[index].capacity < count { tensors[index] = Tensor(shape: [count]) }
        return tensors[index].data
    }

    /// One set per part of a pass, created on the calling thread before the pass.
    static func forParts(_ sets: inout [PartBuffers]) {
        while sets.count < ExampleLanes.parts { sets.append(PartBuffers()) }
    }
}
