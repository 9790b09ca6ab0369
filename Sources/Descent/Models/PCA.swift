import CKernels

/// Principal component analysis of images, the linear baseline for autoencoders:
///
/// ```
/// μ = mean of the training images;  C = (1/N) Σ (x − μ)ᵀ (x − μ)      (D × D, via ssyrk)
/// C = V Λ Vᵀ  (LAPACK ssyevd);  components = the k eigenvectors with largest eigenvalues
/// code(x) = (x − μ) V_k,   reconstruction x̂ = μ + code(x) V_kᵀ
/// ```
/// Pixels are bytes / 255 as for the autoencoders. The covariance is accumulated in Float
/// by BLAS over mean-centred chunks of 1,000 images.
public struct PCA {
    /// μ (D values).
    public let mean: Tensor
    /// k × D; row i is the i-th principal direction (unit length), largest variance first.
    public let components: Tensor
    /// The k largest eigenvalues of C (variances along the components), descending.
    public let variances: [Float]

    public static func fit(_ set: ImageSet, components k: Int) throws -> PCA {
        let d = set.featureCount
        guard k >= 1, k <= d else { throw DescentError("pca: components must be in 1…\(d), got \(k)") }
        guard set.count > 1 else { throw DescentError("pca: need at least two images") }
        let mean = Tensor(shape: [d])
        var sums = [Double](repeating: 0, count: d)
        set.pixels.withUnsafeBufferPointer { p in
            for i in 0..<set.count { for j in 0..<d { sums[j] += Double(p[i * d + j]) } }
        }
        for j in 0..<d { mean[j] = Float(sums[j] / Double(set.count) / 255) }
        if let failure = descent_openblas_load() { throw DescentError("pca: cannot load OpenBLAS: \(String(cString: failure))") }
        let cov = Tensor(shape: [d, d])
        try Batches(.images(set), batchSize: 1000).forEachBatch { batch in
            let x = batch.inputs
            for r in 0..<x.rows { let row = x.data + r * d; for j in 0..<d { row[j] -= mean[j] } }
            // Upper triangle (row-major) of C += xᵀx.
            descent_ssyrk_upper_transposed(Int32(d), Int32(x.rows), 1 / Float(set.count), x.data, Int32(d), 1, cov.data, Int32(d))
        }
        // Row-major upper = column-major lower: ask LAPACK for "L".
        var w = [Float](repeating: 0, count: d)
        var wq: Float = 0, iwq: Int32 = 0
        var info = descent_ssyevd(Int32(d), cov.data, Int32(d), &w, &wq, -1, &iwq, -1)
        guard info == 0 else { throw DescentError("pca: ssyevd workspace query failed (info \(info))") }
        // The size comes back as a Float, which above 2^24 rounds it (d = 3072, a 32×32 colour
        // image: 1 + 6d + 2d² = 18,892,801 comes back 18,892,800, one short): take at least
        // LAPACK's documented minimum for jobz = "V".
        var work = [Float](repeating: 0, count: max(Int(wq), 1 + 6 * d + 2 * d * d))
        var iwork = [Int32](repeating: 0, count: max(Int(iwq), 3 + 5 * d))
        info = descent_ssyevd(Int32(d), cov.data, Int32(d), &w, &work, Int32(work.count), &iwork, Int32(iwork.count))
        guard info == 0 else { throw DescentError("pca: ssyevd failed (info \(info))") }
        // Column-major eigenvectors = rows of the row-major buffer, ascending eigenvalues.
        let comps = Tensor(shape: [k, d])
        for i in 0..<k { (comps.data + i * d).update(from: cov.data + (d - 1 - i) * d, count: d) }
        return PCA(mean: mean, components: comps, variances: (0..<k).map { w[d - 1 - $0] })
    }

    public var codeSize: Int { components.rows }

    /// Codes of every image (N × k).
    public func encodeAll(_ set: ImageSet) throws -> Tensor {
        let d = set.featureCount
        let out = Tensor(shape: [set.count, codeSize])
        var row = 0
        try Batches(.images(set), batchSize: 1000).forEachBatch { batch in
            let x = batch.inputs
            for r in 0..<x.rows { let p = x.data + r * d; for j in 0..<d { p[j] -= mean[j] } }
            BLAS.gemm(m: x.rows, n: codeSize, k: d, x.data, lda: d, transposeA: false,
                      components.data, ldb: d, transposeB: true, out.data + row * codeSize, ldc: codeSize)
            row += x.rows
        }
        return out
    }

    /// Reconstructions of the rows of `x` (pixels in [0, 1]) into `out`.
    public func reconstruct(_ x: Tensor, into out: Tensor) {
        let d = x.columns
        let centred = Tensor(shape: [x.rows, d])
        centred.data.update(from: x.data, count: x.count)
        for r in 0..<x.rows { let p = centred.data + r * d; for j in 0..<d { p[j] -= mean[j] } }
        let code = Tensor(shape: [x.rows, codeSize])
        BLAS.gemm(centred, components, transposeB: true, into: code)
        out.reshape(x.shape)
        BLAS.gemm(code, components, into: out)
        for r in 0..<x.rows { let p = out.data + r * d; for j in 0..<d { p[j] += mean[j] } }
    }

    /// Per-element reconstruction MSE over `set`.
    public func reconstructionMSE(_ set: ImageSet) throws -> Double {
        var total = 0.0
        let out = Tensor(shape: [1000, set.featureCount])
        let mse = MeanSquaredError()
        try Batches(.images(set), batchSize: 1000).forEachBatch { batch in
            let x = batch.inputs
            reconstruct(x, into: out)
            total += mse(out, target: x, computeGradient: false).loss * Double(x.rows)
        }
        return total / Double(max(set.count, 1))
    }
}

/// Mean squared error of predicting every image by the training set's mean image: the
/// baseline any autoencoder has to beat.
public func meanImageBaselineMSE(train: ImageSet, test: ImageSet) -> Double {
    let f = train.featureCount
    var mean = [Double](repeating: 0, count: f)
    train.pixels.withUnsafeBufferPointer { p in
        for i in 0..<train.count { for j in 0..<f { mean[j] += Double(p[i * f + j]) } }
    }
    for j in 0..<f { mean[j] /= Double(max(train.count, 1)) * 255 }
    var total = 0.0
    test.pixels.withUnsafeBufferPointer { p in
        for i in 0..<test.count { for j in 0..<f { let d = Double(p[i * f + j]) / 255 - mean[j]; total += d * d } }
    }
    return total / Double(max(test.count * f, 1))
}
