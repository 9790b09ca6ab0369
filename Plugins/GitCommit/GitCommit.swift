import Foundation
import PackagePlugin

/// Writes `GitCommit.swift` (`let gitCommit: String? = "<commit>"`, or nil outside a git
/// checkout) for the target that uses it, so `descent --version` names the commit it was
/// built from; `+modified` when tracked files differ from that commit. It runs again when
/// `.git/HEAD` or `.git/index` changes (a checkout, a commit, an add), and rewrites the file
/// only when its text changes, so an unchanged commit rebuilds nothing.
@main
struct GitCommit: BuildToolPlugin {
    static let script = #"""
        out="$1"; repo="$2"; mkdir -p "$out"
        value=nil
        if commit=$(git -C "$repo" rev-parse HEAD 2>/dev/null); then
            if [ -n "$(git -C "$repo" status --porcelain --untracked-files=no 2>/dev/null)" ]; then commit="$commit+modified"; fi
            value="\"$commit\""
        fi
        text="let gitCommit: String? = $value"
        if [ ! -f "$out/GitCommit.swift" ] || [ "$(cat "$out/GitCommit.swift")" != "$text" ]; then
            printf '%s\n' "$text" > "$out/GitCommit.swift"
        fi
        """#

    func createBuildCommands(context: PluginContext, target: Target) throws -> [Command] {
        let out = context.pluginWorkDirectoryURL.appendingPathComponent("GitCommit")
        let repo = context.package.directoryURL
        // Rerun when the checkout moves (HEAD) or a commit or an add rewrites the index.
        let inputs = [".git/HEAD", ".git/index"].map { repo.appendingPathComponent($0) }
            .filter { FileManager.default.fileExists(atPath: $0.path) }
        return [.buildCommand(displayName: "Reading the git commit of \(repo.path)",
                              executable: URL(fileURLWithPath: "/bin/sh"),
                              arguments: ["-c", Self.script, "git-commit", out.path, repo.path],
                              inputFiles: inputs,
                              outputFiles: [out.appendingPathComponent("GitCommit.swift")])]
    }
}
