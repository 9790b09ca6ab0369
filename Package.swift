// swift-tools-version:6.0
// Every Swift target builds in the Swift 6 language mode (the default of tools version 6):
// full data-race checking.
import PackageDescription

let package = Package(
    name: "Descent",
    platforms: [.macOS(.v13)],
    products: [
        .library(name: "Descent", targets: ["Descent"]),
        .library(name: "DescentReport", targets: ["DescentReport"]),
        .library(name: "DescentCommandLine", targets: ["DescentCommandLine"]),
        .executable(name: "descent", targets: ["descent"]),
        .executable(name: "descent-bench", targets: ["descent-bench"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
        // Only for `swift package generate-documentation` (the DocC catalog in Sources/Descent/Descent.docc).
        .package(url: "https://github.com/swiftlang/swift-docc-plugin", from: "1.5.0"),
    ],
    targets: [
        // OpenBLAS (PCA's ssyrk and LAPACK's ssyevd) is not linked: CKernels loads it on first
        // use (Sources/CKernels/openblas.c), so its constructor starts no thread before main.
        // oneDNN: Debian's libdnnl-dev ships no pkg-config file; its headers and library are in
        // the default search paths (/usr/include/oneapi/dnnl, libdnnl.so over libgomp).
        .systemLibrary(
            name: "CDNNL", path: "Sources/CDNNL",
            providers: [.apt(["libdnnl-dev"]), .brew(["onednn"])]),
        .systemLibrary(
            name: "CZlib", path: "Sources/CZlib", pkgConfig: "zlib",
            providers: [.apt(["zlib1g-dev"]), .brew(["zlib"])]),
        .systemLibrary(
            name: "CRsvg", path: "Sources/CRsvg", pkgConfig: "librsvg-2.0",
            providers: [.apt(["librsvg2-dev"]), .brew(["librsvg"])]),
        .target(name: "CKernels", path: "Sources/CKernels"),
        .target(name: "CPlatform", path: "Sources/CPlatform"),
        .target(
            name: "Descent", dependencies: ["CDNNL", "CZlib", "CKernels"],
            path: "Sources/Descent"),
        .target(
            name: "DescentReport", dependencies: ["Descent", "CRsvg", "CZlib"],
            path: "Sources/DescentReport"),
        // The version and the git commit of the build (`descent --version`).
        .plugin(name: "GitCommit", capability: .buildTool(), path: "Plugins/GitCommit"),
        .target(name: "DescentBuildInfo", path: "Sources/DescentBuildInfo", plugins: ["GitCommit"]),
        // The whole `descent` command line, run with a registry: `descent` passes the built-in
        // one, and a program of a user's passes theirs (Tests/CustomCommandLine).
        .target(
            name: "DescentCommandLine",
            dependencies: ["Descent", "DescentReport", "DescentBuildInfo", "CPlatform",
                           .product(name: "ArgumentParser", package: "swift-argument-parser")],
            path: "Sources/DescentCommandLine"),
        .executableTarget(name: "descent", dependencies: ["DescentCommandLine", "Descent"], path: "Sources/descent"),
        .executableTarget(
            name: "descent-example", dependencies: ["Descent"], path: "Examples/CustomNetwork"),
        .executableTarget(
            name: "descent-bench",
            dependencies: ["Descent", .product(name: "ArgumentParser", package: "swift-argument-parser")],
            path: "Sources/descent-bench"),
        .testTarget(
            name: "DescentTests",
            dependencies: ["Descent", "DescentReport", "DescentCommandLine", .product(name: "ArgumentParser", package: "swift-argument-parser")],
            path: "Tests/DescentTests",
            resources: [.copy("../Fixtures")]),
        // Run by ReliabilityDeterminismTests in separate processes (a tool, not a test).
        .executableTarget(
            name: "determinism-probe", dependencies: ["Descent"], path: "Tests/DeterminismProbe"),
        // A user's own `descent`: the command line with a layer, an optimizer and a loss
        // registered from outside Descent (driven by DescentAPITests.CustomCommandLineTests).
        .executableTarget(
            name: "descent-custom", dependencies: ["Descent", "DescentCommandLine"], path: "Tests/CustomCommandLine"),
        // Uses Descent and DescentReport as another package would (no @testable): the public API and its extension points.
        .testTarget(
            name: "DescentAPITests", dependencies: ["Descent", "DescentReport"], path: "Tests/DescentAPITests"),
    ]
)
