// swift-tools-version: 6.0
import PackageDescription

/// libFuzzer targets for Strata's readers of untrusted input (see README.md). A package of its own, so the
/// main package's `swift build` and `swift test` never see the sanitizer flags these need.
let package = Package(
    name: "StrataFuzz",
    dependencies: [
        .package(name: "Strata", path: ".."),
    ],
    targets: [
        .target(name: "CFuzzDriver"),
        .target(
            name: "FuzzSupport",
            dependencies: [
                "CFuzzDriver",
                .product(name: "StrataData", package: "Strata"),
                .product(name: "StrataFeatures", package: "Strata"),
                .product(name: "StrataSegments", package: "Strata"),
            ]
        ),
        .executableTarget(name: "FuzzCSVCanonical", dependencies: ["FuzzSupport", .product(name: "StrataData", package: "Strata")]),
        .executableTarget(name: "FuzzCSVMapped", dependencies: ["FuzzSupport", .product(name: "StrataData", package: "Strata")]),
        .executableTarget(name: "FuzzRules", dependencies: ["FuzzSupport", .product(name: "StrataSegments", package: "Strata")]),
        .executableTarget(
            name: "FuzzProjectFile",
            dependencies: [
                "FuzzSupport",
                .product(name: "StrataFeatures", package: "Strata"),
                .product(name: "StrataSegments", package: "Strata"),
            ]
        ),
        .executableTarget(
            name: "FuzzModelFile",
            dependencies: [
                "FuzzSupport",
                .product(name: "StrataModels", package: "Strata"),
                .product(name: "StrataProject", package: "Strata"),
            ]
        ),
    ],
    swiftLanguageModes: [.v6]
)
