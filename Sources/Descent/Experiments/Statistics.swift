/// Small-sample statistics for summarising runs across seeds.
public enum Statistics {
    /// Arithmetic mean (NaN for an empty sample).
    public static func mean(_ x: [Double]) -> Double {
        x.isEmpty ? .nan : x.reduce(0, +) / Double(x.count)
    }

    /// Sample standard deviation with Bessel's correction (n − 1); 0 for one value.
    public static func standardDeviation(_ x: [Double]) -> Double {
        guard x.count > 1 else { return x.isEmpty ? .nan : 0 }
        let m = mean(x)
        return (x.reduce(0) { $0 + ($1 - m) * ($1 - m) } / Double(x.count - 1)).squareRoot()
    }

    /// Half-width of the 95 % confidence interval of the mean, Student's t with n − 1
    /// degrees of freedom: `t₀.₉₇₅(n−1) · s / √n`. NaN for fewer than two values.
    public static func confidenceHalfWidth95(_ x: [Double]) -> Double {
        guard x.count > 1 else { return .nan }
        return studentT975(degreesOfFreedom: x.count - 1) * standardDeviation(x) / Double(x.count).squareRoot()
    }

    /// Two-sided 95 % quantile of Student's t distribution.
    public static func studentT975(degreesOfFreedom df: Int) -> Double {
        let table: [Double] = [12.706, 4.303, 3.182, 2.776, 2.571, 2.447, 2.365, 2.306, 2.262, 2.228,
                               2.201, 2.179, 2.160, 2.145, 2.131, 2.120, 2.110, 2.101, 2.093, 2.086,
                               2.080, 2.074, 2.069, 2.064, 2.060, 2.056, 2.052, 2.048, 2.045, 2.042]
        if df >= 1 && df <= table.count { return table[df - 1] }
        if df <= 40 { return 2.021 }
        if df <= 60 { return 2.000 }
        if df <= 120 { return 1.980 }
        return 1.960
    }
}
