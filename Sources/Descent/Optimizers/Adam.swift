import CKernels

/// Adam (provisional; see issue #3). Kingma & Ba 2015, as torch.optim.Adam:
/// ```
/// m ← β1 m + (1−β1) g;  v ← β2 v + (1−β2) g²
/// θ ← θ − lr · (m / (1−β1ᵗ)) / (√(v / (1−β2ᵗ)) + ε)
/// ```
public final class Adam: Optimizer {
    public var learningRate: Float
    public let beta1: Float, beta2: Float, epsilon: Float
    private var state: [ObjectIdentifier: (m: Tensor, v: Tensor)] = [:]
    private var t = 0
    public init(learningRate: Float = 0.001, beta1: Float = 0.9, beta2: Float = 0.999, epsilon: Float = 1e-8) throws {
        self.learningRate = learningRate; self.beta1 = beta1; self.beta2 = beta2; self.epsilon = epsilon
    }
    public func step(_ parameters: [Parameter]) {
        t += 1
        let bc1 = 1 - Float(Double(beta1).power(t)), bc2 = 1 - Float(Double(beta2).power(t))
        let stepSize = learningRate / bc1
        let invSqrtBc2 = 1 / bc2.squareRoot()
        for p in parameters {
            let s: (m: Tensor, v: Tensor)
            if let existing = state[ObjectIdentifier(p)] { s = existing } else {
                s = (Tensor(shape: p.value.shape), Tensor(shape: p.value.shape)); state[ObjectIdentifier(p)] = s
            }
            let (w, g, m, v) = (p.value.data, p.grad.data, s.m.data, s.v.data)
            let n = p.count
            var i = 0
            let b1 = SIMD8<Float>(repeating: beta1), b2 = SIMD8<Float>(repeating: beta2)
            let c1 = SIMD8<Float>(repeating: 1 - beta1), c2 = SIMD8<Float>(repeating: 1 - beta2)
            let eps = SIMD8<Float>(repeating: epsilon), lr = SIMD8<Float>(repeating: stepSize)
            let ib = SIMD8<Float>(repeating: invSqrtBc2)
            while i + 8 <= n {
                let gi = UnsafeRawPointer(g + i).loadUnaligned(as: SIMD8<Float>.self)
                var mi = UnsafeRawPointer(m + i).loadUnaligned(as: SIMD8<Float>.self)
                var vi = UnsafeRawPointer(v + i).loadUnaligned(as: SIMD8<Float>.self)
                var wi = UnsafeRawPointer(w + i).loadUnaligned(as: SIMD8<Float>.self)
                mi = b1 * mi + c1 * gi
                vi = b2 * vi + c2 * gi * gi
                wi = wi - lr * mi / (descent_sqrt8(vi) * ib + eps)
                UnsafeMutableRawPointer(m + i).storeBytes(of: mi, as: SIMD8<Float>.self)
                UnsafeMutableRawPointer(v + i).storeBytes(of: vi, as: SIMD8<Float>.self)
                UnsafeMutableRawPointer(w + i).storeBytes(of: wi, as: SIMD8<Float>.self)
                i += 8
            }
            while i < n {
                m[i] = beta1 * m[i] + (1 - beta1) * g[i]
                v[i] = beta2 * v[i] + (1 - beta2) * g[i] * g[i]
                w[i] -= stepSize * m[i] / (v[i].squareRoot() * invSqrtBc2 + epsilon)
                i += 1
            }
        }
    }
}

extension Double {
    func power(_ n: Int) -> Double { var r = 1.0; for _ in 0..<n { r *= self }; return r }
}
