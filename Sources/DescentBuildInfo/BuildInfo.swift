/// What a build of Descent knows about itself.
public enum BuildInfo {
    /// Descent's version (no release has been tagged yet).
    public static let version = "0.1.0"
    /// The git commit the build was made from (`+modified` when tracked files differed from
    /// it), or nil when it was not built from a git checkout. Written before each build by
    /// the `GitCommit` plugin.
    public static var commit: String? { gitCommit }
}
