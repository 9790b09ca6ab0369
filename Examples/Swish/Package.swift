// swift-tools-version:6.0
// A package of a user's that adds a layer to Descent without editing it: the example of
// the "Writing your own layer" article. It depends on Descent by path (this repository,
// two folders up); a package of your own would name Descent's repository and a version.
import PackageDescription

let package = Package(
    name: "SwishExample",
    platforms: [.macOS(.v13)],
    products: [
        .library(name: "Swish", targets: ["Swish"]),
        .executable(name: "descent-swish", targets: ["descent-swish"]),
    ],
    dependencies: [
        .package(name: "Descent", path: "../.."),
    ],
    targets: [
        .target(name: "Swish", dependencies: [.product(name: "Descent", package: "Descent")]),
        .executableTarget(
            name: "descent-swish",
            dependencies: ["Swish", .product(name: "DescentCommandLine", package: "Descent")]),
        .testTarget(name: "SwishTests", dependencies: ["Swish", .product(name: "Descent", package: "Descent")]),
    ]
)
