// swift-tools-version: 6.0
import PackageDescription

/// Strata: patient-history exports in, behavioral segments and predictive scores out.
///
/// Module boundaries (see `../shared/DESIGN.md`): C interop only in `StrataLinearAlgebra`; data and
/// feature code that knows nothing of models; models on top; a thin CLI.
let package = Package(
    name: "Strata",
    products: [
        .executable(name: "strata", targets: ["strata"]),
        .library(name: "StrataRandom", targets: ["StrataRandom"]),
        .library(name: "StrataLinearAlgebra", targets: ["StrataLinearAlgebra"]),
        .library(name: "StrataData", targets: ["StrataData"]),
        .library(name: "StrataFeatures", targets: ["StrataFeatures"]),
        .library(name: "StrataModels", targets: ["StrataModels"]),
        .library(name: "StrataGenerator", targets: ["StrataGenerator"]),
        .library(name: "StrataSegments", targets: ["StrataSegments"]),
        .library(name: "StrataProject", targets: ["StrataProject"]),
        .library(name: "StrataCharts", targets: ["StrataCharts"]),
        .library(name: "StrataReports", targets: ["StrataReports"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.5.0"),
        .package(url: "https://github.com/jpsim/Yams", from: "5.0.0"),
        .package(url: "https://github.com/groue/GRDB.swift", from: "7.0.0"),
        .package(url: "https://github.com/apple/swift-crypto", "3.0.0"..<"5.0.0"),
    ],
    targets: [
        .systemLibrary(
            name: "CStrataBLAS",
            providers: [.apt(["libopenblas-dev", "liblapacke-dev"])]
        ),
        .systemLibrary(
            name: "CStrataZlib",
            providers: [.apt(["zlib1g-dev"])]
        ),
        .target(name: "CStrataKernels", exclude: ["README.md"]),
        .target(name: "StrataRandom", exclude: ["README.md"]),
        .target(name: "StrataLinearAlgebra", dependencies: ["CStrataBLAS", "CStrataKernels", "StrataRandom"], exclude: ["README.md"]),
        .target(name: "StrataData", dependencies: ["StrataLinearAlgebra", "CStrataZlib", "CStrataKernels"], exclude: ["README.md"]),
        .target(name: "StrataFeatures", dependencies: ["StrataData", "StrataLinearAlgebra", "Yams"], exclude: ["README.md"]),
        .target(name: "StrataModels", dependencies: ["StrataLinearAlgebra", "StrataFeatures"], exclude: ["README.md"]),
        .target(name: "StrataGenerator", dependencies: ["StrataData", "StrataRandom"], exclude: ["README.md"]),
        .target(
            name: "StrataSegments",
            dependencies: [
                "StrataLinearAlgebra", "StrataData", "StrataFeatures",
                .product(name: "GRDB", package: "GRDB.swift"),
                .product(name: "GRDBSQLite", package: "GRDB.swift"),
                .product(name: "Crypto", package: "swift-crypto"),
            ],
            exclude: ["README.md"]
        ),
        .target(
            name: "StrataProject",
            dependencies: ["StrataLinearAlgebra", "StrataData", "StrataFeatures", "StrataModels", "StrataGenerator", "StrataSegments",
                           "StrataReports"],
            exclude: ["README.md"]
        ),
        .target(name: "StrataCharts", exclude: ["README.md"]),
        .target(
            name: "StrataReports",
            dependencies: ["StrataLinearAlgebra", "StrataData", "StrataFeatures", "StrataModels", "StrataSegments", "StrataCharts"],
            exclude: ["README.md"]
        ),
        .executableTarget(
            name: "strata",
            dependencies: [
                "StrataLinearAlgebra", "StrataData", "StrataFeatures", "StrataModels", "StrataGenerator", "StrataSegments",
                "StrataProject",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ],
            exclude: ["README.md"]
        ),
        .executableTarget(
            name: "strata-bench",
            dependencies: ["StrataLinearAlgebra", "StrataData", "StrataModels", "StrataRandom"],
            path: "Benchmarks/strata-bench"
        ),
        .testTarget(name: "StrataLinearAlgebraTests", dependencies: ["StrataLinearAlgebra"]),
        .testTarget(name: "StrataDataTests", dependencies: ["StrataData", "StrataLinearAlgebra"], exclude: ["Fixtures"]),
        .testTarget(name: "StrataFeaturesTests", dependencies: ["StrataFeatures", "StrataData", "StrataLinearAlgebra"], exclude: ["Fixtures"]),
        .testTarget(name: "StrataModelsTests", dependencies: ["StrataModels", "StrataLinearAlgebra"], exclude: ["Fixtures"]),
        .testTarget(name: "StrataGeneratorTests", dependencies: ["StrataGenerator", "StrataData", "StrataLinearAlgebra"], exclude: ["Fixtures"]),
        .testTarget(name: "StrataSegmentsTests", dependencies: ["StrataSegments", "StrataData", "StrataGenerator"]),
        .testTarget(name: "StrataProjectTests", dependencies: ["StrataProject", "StrataSegments", "StrataModels", "StrataData", "StrataFeatures", "StrataGenerator", "StrataRandom"], exclude: ["Golden"]),
        .testTarget(name: "StrataChartsTests", dependencies: ["StrataCharts"]),
        .testTarget(name: "StrataReportsTests", dependencies: ["StrataReports", "StrataSegments", "StrataModels", "StrataData", "StrataFeatures"]),
        .testTarget(name: "strataTests", dependencies: ["strata", "StrataProject", "StrataSegments", "StrataModels"], exclude: ["Fixtures"]),
    ],
    swiftLanguageModes: [.v6]
)
