import CDNNL
import CKernels

/// The vector instruction sets of the machine, as the CPU reports them (CPUID) and the
/// operating system enables them (XGETBV) — read directly, not looked up in a table of CPU
/// models. `BLAS.instructionSet` is what the product kernels actually run.
public struct CPUFeatures: OptionSet, Sendable, CustomStringConvertible {
    public let rawValue: UInt32
    public init(rawValue: UInt32) { self.rawValue = rawValue }

    public static let sse41 = CPUFeatures(rawValue: UInt32(DESCENT_CPU_SSE41))
    public static let avx = CPUFeatures(rawValue: UInt32(DESCENT_CPU_AVX))
    /// AVX2 with FMA.
    public static let avx2 = CPUFeatures(rawValue: UInt32(DESCENT_CPU_AVX2))
    /// The 256-bit VNNI (int8 dot products).
    public static let avxVNNI = CPUFeatures(rawValue: UInt32(DESCENT_CPU_AVX_VNNI))
    /// AVX-512 F, DQ, BW and VL with the ZMM state enabled: what oneDNN calls `avx512_core`.
    public static let avx512Core = CPUFeatures(rawValue: UInt32(DESCENT_CPU_AVX512_CORE))
    public static let avx512VNNI = CPUFeatures(rawValue: UInt32(DESCENT_CPU_AVX512_VNNI))
    public static let avx512BF16 = CPUFeatures(rawValue: UInt32(DESCENT_CPU_AVX512_BF16))
    /// AMX tiles (int8 and bf16) with their state enabled.
    public static let amx = CPUFeatures(rawValue: UInt32(DESCENT_CPU_AMX))

    /// This machine's.
    public static var current: CPUFeatures { CPUFeatures(rawValue: descent_cpu_features()) }

    /// The single-precision FMA peak of the calling thread's core, in GFLOP/s: the fastest of
    /// repeated register-only FMA loops over `seconds`, on AVX-512 where the CPU has it, else
    /// AVX2; 0 without either. Run it on every thread at once for the peak of several cores.
    public static func fmaPeakGFLOPS(seconds: Double = 0.3) -> Double { descent_fma_peak_gflops(seconds) }

    public var description: String {
        let names: [(CPUFeatures, String)] = [(.sse41, "sse4.1"), (.avx, "avx"), (.avx2, "avx2+fma"), (.avxVNNI, "avx-vnni"),
                                              (.avx512Core, "avx512f/dq/bw/vl"), (.avx512VNNI, "avx512-vnni"),
                                              (.avx512BF16, "avx512-bf16"), (.amx, "amx")]
        let have = names.filter { contains($0.0) }.map(\.1)
        return have.isEmpty ? "none" : have.joined(separator: " ")
    }
}

/// An instruction set oneDNN dispatches its kernels to, with oneDNN's name for it
/// (`avx512_core_bf16`, `avx2`, …). The float products use its vector width and FMA; VNNI,
/// BF16 and AMX serve int8 and bfloat16 work only.
public struct InstructionSet: Equatable, Sendable, CustomStringConvertible {
    /// oneDNN's `dnnl_cpu_isa_t` value.
    public let rawValue: UInt32
    public init(rawValue: UInt32) { self.rawValue = rawValue }

    /// oneDNN's name, as `ONEDNN_MAX_CPU_ISA` takes it in lower case: e.g. `"avx512_core_bf16"`.
    public var name: String {
        switch rawValue {
        case UInt32(dnnl_cpu_isa_all.rawValue): return "all"
        case UInt32(dnnl_cpu_isa_sse41.rawValue): return "sse41"
        case UInt32(dnnl_cpu_isa_avx.rawValue): return "avx"
        case UInt32(dnnl_cpu_isa_avx2.rawValue): return "avx2"
        case UInt32(dnnl_cpu_isa_avx2_vnni.rawValue): return "avx2_vnni"
        case UInt32(dnnl_cpu_isa_avx512_core.rawValue): return "avx512_core"
        case UInt32(dnnl_cpu_isa_avx512_core_vnni.rawValue): return "avx512_core_vnni"
        case UInt32(dnnl_cpu_isa_avx512_core_bf16.rawValue): return "avx512_core_bf16"
        case UInt32(dnnl_cpu_isa_avx512_core_amx.rawValue): return "avx512_core_amx"
        default: return "isa_0x" + String(rawValue, radix: 16)
        }
    }
    public var description: String { name }

    /// The widest vectors it uses for float arithmetic: 512, 256 (AVX, AVX2) or 128 bits.
    public var vectorBits: Int {
        let avx512 = UInt32(dnnl_cpu_isa_avx512_core.rawValue), avx = UInt32(dnnl_cpu_isa_avx.rawValue)
        if rawValue & avx512 == avx512 { return 512 }
        if rawValue & avx == avx { return 256 }
        return 128
    }
    /// Whether it uses FMA (AVX2 and above).
    public var hasFMA: Bool { let avx2 = UInt32(dnnl_cpu_isa_avx2.rawValue); return rawValue & avx2 == avx2 }

    /// The instruction set oneDNN should run for float products on a machine with `features`:
    /// the widest vectors with FMA, and on AVX-512 machines the VNNI and BF16 extensions too
    /// (oneDNN names its levels by them). AVX-VNNI and AMX are left out: they compute no float32
    /// products, and whether a process may use AMX tiles is the OS kernel's decision, not the CPU's.
    public static func best(for features: CPUFeatures) -> InstructionSet {
        let isa: dnnl_cpu_isa_t
        if features.contains([.avx512Core, .avx512VNNI, .avx512BF16]) { isa = dnnl_cpu_isa_avx512_core_bf16 }
        else if features.contains([.avx512Core, .avx512VNNI]) { isa = dnnl_cpu_isa_avx512_core_vnni }
        else if features.contains(.avx512Core) { isa = dnnl_cpu_isa_avx512_core }
        else if features.contains(.avx2) { isa = dnnl_cpu_isa_avx2 }
        else if features.contains(.avx) { isa = dnnl_cpu_isa_avx }
        else if features.contains(.sse41) { isa = dnnl_cpu_isa_sse41 }
        else { isa = dnnl_cpu_isa_all }
        return InstructionSet(rawValue: UInt32(isa.rawValue))
    }

    /// `self` without AMX (`avx512_core_amx` → `avx512_core_bf16`), for comparing with `best(for:)`.
    public var withoutAMX: InstructionSet {
        rawValue == UInt32(dnnl_cpu_isa_avx512_core_amx.rawValue)
            ? InstructionSet(rawValue: UInt32(dnnl_cpu_isa_avx512_core_bf16.rawValue)) : self
    }
}
