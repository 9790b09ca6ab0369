import Foundation
import XCTest
import Descent

/// The products run on oneDNN with the widest instruction set the machine offers — a
/// fallback to narrower kernels fails here instead of hiding in a record — and they agree
/// with a double-precision reference for every shape and transpose the layers use.
final class ProductKernelTests: XCTestCase {
    /// The instruction sets Linux reports in /proc/cpuinfo agree with Descent's own CPUID
    /// reading (Linux lists a feature only when the kernel enables it, as XGETBV tells).
    func testCPUFeaturesAgreeWithProcCPUInfo() throws {
        guard let text = try? String(contentsOfFile: "/proc/cpuinfo", encoding: .utf8),
              let line = text.split(separator: "\n").first(where: { $0.hasPrefix("flags") }) else {
            #if os(Linux)
            XCTFail("no flags line in /proc/cpuinfo")
            #endif
            return
        }
        let flags = Set(line.split(separator: ":")[1].split(separator: " ").map(String.init))
        let features = CPUFeatures.current
        XCTAssertEqual(features.contains(.sse41), flags.contains("sse4_1"), "\(features)")
        XCTAssertEqual(features.contains(.avx2), flags.isSuperset(of: ["avx2", "fma"]), "\(features)")
        XCTAssertEqual(features.contains(.avx512Core), flags.isSuperset(of: ["avx512f", "avx512dq", "avx512bw", "avx512vl"]), "\(features)")
        XCTAssertEqual(features.contains(.avx512VNNI), features.contains(.avx512Core) && flags.contains("avx512_vnni"), "\(features)")
        XCTAssertEqual(features.contains(.avx512BF16), features.contains(.avx512Core) && flags.contains("avx512_bf16"), "\(features)")
        print("CPU features: \(features); products on \(BLAS.kernels)")
    }

    /// oneDNN runs the best instruction set the CPU reports (or the cap that
    /// `ONEDNN_MAX_CPU_ISA` sets, when it is set): the same vector width and FMA, and on
    /// AVX-512 machines the same VNNI/BF16 level. AMX is not asked for (no float32 products).
    func testProductsRunTheBestInstructionSetTheCPUReports() throws {
        let best = InstructionSet.best(for: .current)
        let actual = BLAS.instructionSet
        let environment = ProcessInfo.processInfo.environment
        if let cap = environment["ONEDNN_MAX_CPU_ISA"] ?? environment["DNNL_MAX_CPU_ISA"] {
            XCTAssertNotEqual(ProcessInfo.processInfo.environment["CI"], "true", "CI must not cap oneDNN (ONEDNN_MAX_CPU_ISA=\(cap))")
            XCTAssertLessThanOrEqual(actual.vectorBits, best.vectorBits)
            print("oneDNN capped by ONEDNN_MAX_CPU_ISA=\(cap): runs \(actual), the CPU offers \(best)")
            return
        }
        XCTAssertEqual(actual.vectorBits, best.vectorBits, "oneDNN runs \(actual) on a CPU with \(CPUFeatures.current)")
        XCTAssertEqual(actual.hasFMA, best.hasFMA, "oneDNN runs \(actual) on a CPU with \(CPUFeatures.current)")
        if best.vectorBits == 512 { XCTAssertEqual(actual.withoutAMX, best) }
        XCTAssertEqual(BLAS.kernels, "oneDNN \(BLAS.libraryVersion) \(actual.name)")
        #if arch(x86_64)
        XCTAssertTrue(best.hasFMA, "every x86-64 machine Descent targets has AVX2 and FMA; this one reports \(CPUFeatures.current)")
        #endif
    }

    /// Every transpose, β = 0 and β = 1, leading dimensions wider than the matrices, odd
    /// sizes, on the calling thread, split over the pool and on oneDNN's own threads:
    /// within 1e-5 (relative to the sum of |terms|) of a double-precision product.
    func testProductsAgreeWithADoublePrecisionReference() {
        let shapes = [(m: 128, n: 200, k: 784), (m: 10, n: 784, k: 128), (m: 1, n: 1, k: 1), (m: 33, n: 300, k: 70),
                      (m: 300, n: 17, k: 300), (m: 7, n: 5, k: 3)]
        defer { Parallel.setThreads(1) }
        for s in shapes {
            for (ta, tb) in [(false, false), (true, false), (false, true), (true, true)] {
                let (lda, ldb, ldc) = ((ta ? s.m : s.k) + 3, (tb ? s.k : s.n) + 5, s.n + 2)
                let a = GradientCheck.random([ta ? s.k : s.m, lda], seed: 41)
                let b = GradientCheck.random([tb ? s.n : s.k, ldb], seed: 42)
                let start = GradientCheck.random([s.m, ldc], seed: 43)
                let (av, bv, cv) = (a.toArray(), b.toArray(), start.toArray())
                // op(A)·op(B) in double, and the sum of |terms| that bounds its rounding.
                var product = [Double](repeating: 0, count: s.m * s.n), size = product
                for i in 0..<s.m {
                    for j in 0..<s.n {
                        for p in 0..<s.k {
                            let x = Double(ta ? av[p * lda + i] : av[i * lda + p]) * Double(tb ? bv[j * ldb + p] : bv[p * ldb + j])
                            product[i * s.n + j] += x
                            size[i * s.n + j] += abs(x)
                        }
                    }
                }
                for beta: Float in [0, 1] {
                    for mode in ["one thread", "split over 2", "oneDNN's 2 threads"] {
                        switch mode {
                        case "one thread": Parallel.setThreads(1)
                        case "split over 2": Parallel.setThreads(2)
                        default: BLAS.setThreads(2)
                        }
                        let c = start.clone()
                        BLAS.gemm(m: s.m, n: s.n, k: s.k, a.data, lda: lda, transposeA: ta, b.data, ldb: ldb, transposeB: tb,
                                  c.data, ldc: ldc, alpha: 0.5, beta: beta)
                        let out = c.toArray()
                        for i in 0..<s.m {
                            for j in 0..<s.n {
                                let old = Double(cv[i * ldc + j])
                                let expected = 0.5 * product[i * s.n + j] + Double(beta) * old
                                let bound = 1e-5 * (0.5 * size[i * s.n + j] + abs(old)) + 1e-30
                                if abs(Double(out[i * ldc + j]) - expected) > bound {
                                    XCTFail("\(s) ta \(ta) tb \(tb) β \(beta) \(mode): C[\(i),\(j)] = \(out[i * ldc + j]), expected \(expected)")
                                    return
                                }
                            }
                            // The padding past n is never written.
                            for j in s.n..<ldc where out[i * ldc + j].bitPattern != cv[i * ldc + j].bitPattern {
                                XCTFail("\(s) \(mode): wrote C[\(i),\(j)] past n"); return
                            }
                        }
                    }
                }
            }
        }
    }
}
