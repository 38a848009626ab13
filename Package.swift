// swift-tools-version:6.0
import PackageDescription

// Swift 6 language mode (strict concurrency) everywhere, and no warnings: `swift test` and CI
// fail on one, so none can pile up. Generic types are reached through direct metadata
// accessors, not by demangling their names at first use: that demangling was a sixth of a
// peer's start-up CPU, paid again by each of a thousand processes (a peer starts on ~10% less).
let swift6: [SwiftSetting] = [.swiftLanguageMode(.v6), .unsafeFlags(["-warnings-as-errors", "-Xfrontend", "-disable-concrete-type-metadata-mangled-name-accessors"])]
// The executables are linked statically, C library included: a network starts a thousand of
// them, and with nothing for the dynamic loader to resolve or relocate a peer starts on half
// the CPU time (1.0 ms instead of 2.0 for --help) and keeps no private copy of relocated pages
// (PSS per peer at 100 peers: 1.13 MB instead of 1.78).
let staticSwift: [LinkerSetting] = [.unsafeFlags(["-static-executable", "-use-ld=lld"]), .linkedLibrary("_FoundationCollections"), .linkedLibrary("_FoundationCShims")]

let package = Package(
    name: "p2pnet",
    products: [
        .executable(name: "p2pctl", targets: ["p2pctl"]),
        .executable(name: "p2p-registry", targets: ["p2p-registry"]),
        .executable(name: "p2p-peer", targets: ["p2p-peer"]),
        .executable(name: "p2pbench", targets: ["p2pbench"]),
        .library(name: "System", targets: ["System"]),
        .library(name: "Sockets", targets: ["Sockets"]),
    ],
    targets: [
        // C shims: system calls Glibc does not expose, and SHA-256 with the CPU's SHA instructions.
        .target(name: "CSystemShims"),
        .target(name: "CSHA256", cSettings: [.unsafeFlags(["-O3"])]),

        // Libraries, lowest first. System: the syscall gate (EINTR retried once, errors that name
        // the call), Errno, locks, threads, deadlines. Sockets knows nothing of P2P, Wire is pure
        // bytes, Digest hashes.
        .target(name: "System", dependencies: ["CSystemShims"], swiftSettings: swift6),
        .target(name: "Sockets", dependencies: ["CSystemShims", "System"], swiftSettings: swift6),
        .target(name: "Digest", dependencies: ["CSHA256", "System"], swiftSettings: swift6),
        .target(name: "Wire", swiftSettings: swift6),
        // Serving: every HTTP connection of a process on one epoll thread until its request is
        // whole, small answers written there, slow ones by a few workers.
        .target(name: "Serving", dependencies: ["CSystemShims", "Sockets", "System", "Wire"], swiftSettings: swift6),
        // Who gets in: the shared secret, its challenge-response proofs and the HTTP token.
        .target(name: "Admission", dependencies: ["Digest", "System"], swiftSettings: swift6),
        // What the registry and every peer run on: framed connections, the human log, arguments.
        .target(name: "NodeRuntime", dependencies: ["Admission", "Control", "CSystemShims", "Sockets", "System", "Wire"], swiftSettings: swift6),
        // The typed messages: supervisor <-> children (JSON lines), p2pctl <-> supervisor.
        .target(name: "Control", dependencies: ["Wire"], swiftSettings: swift6),
        .target(name: "Registry", dependencies: ["Admission", "Control", "NodeRuntime", "Sockets", "System", "Wire"], swiftSettings: swift6),
        .target(name: "Supervisor", dependencies: ["Control", "NetworkConfig", "NodeRuntime", "Sockets", "System"], swiftSettings: swift6),
        .target(name: "Peer", dependencies: ["Admission", "NodeRuntime", "Control", "Serving", "Sockets", "System", "Wire", "Digest"], swiftSettings: swift6),
        .target(name: "NetworkConfig", dependencies: ["Admission", "Control", "Wire"], swiftSettings: swift6),

        // Thin executables.
        // p2pctl runs twice per `up -d` and once per command; Process needs CoreFoundation and ICU.
        .executableTarget(name: "p2pctl", dependencies: ["Admission", "Supervisor", "Control", "NetworkConfig", "NodeRuntime", "Sockets", "System", "CSystemShims"],
                          swiftSettings: swift6, linkerSettings: staticSwift + ["CoreFoundation", "_FoundationICU"].map { .linkedLibrary($0) }),
        .executableTarget(name: "p2p-registry", dependencies: ["Admission", "Registry", "NodeRuntime", "Control", "Sockets", "System"], swiftSettings: swift6,
                          linkerSettings: staticSwift),
        .executableTarget(name: "p2p-peer", dependencies: ["Admission", "Peer", "NodeRuntime", "Control", "CSystemShims", "Sockets", "System"], swiftSettings: swift6,
                          linkerSettings: staticSwift),

        // The benchmark: figures against references measured in the same run.
        .executableTarget(name: "p2pbench", dependencies: ["Peer", "Registry", "NodeRuntime", "Sockets", "System", "CSystemShims"],
                          swiftSettings: swift6),

        // libFuzzer targets (built with -DFUZZING -sanitize=fuzzer by .ci/fuzz; a plain build
        // replays inputs given as files) and the glue they share.
        .target(name: "CLibFuzzer"),
        .target(name: "FuzzSupport", dependencies: ["CLibFuzzer"], swiftSettings: swift6),
        .executableTarget(name: "fuzz-frames", dependencies: ["FuzzSupport", "Wire"], swiftSettings: swift6),
        .executableTarget(name: "fuzz-http", dependencies: ["FuzzSupport", "Wire"], swiftSettings: swift6),
        .executableTarget(name: "fuzz-control", dependencies: ["FuzzSupport", "Control"], swiftSettings: swift6),
        .executableTarget(name: "fuzz-config", dependencies: ["FuzzSupport", "NetworkConfig"], swiftSettings: swift6),

        .testTarget(name: "SystemTests", dependencies: ["System"], swiftSettings: swift6),
        .testTarget(name: "SocketsTests", dependencies: ["Sockets", "System"], swiftSettings: swift6),
        .testTarget(name: "DigestTests", dependencies: ["Digest", "System"], swiftSettings: swift6),
        .testTarget(name: "AdmissionTests", dependencies: ["Admission", "System"], swiftSettings: swift6),
        .testTarget(name: "ServingTests", dependencies: ["Serving", "System"], swiftSettings: swift6),
        .testTarget(name: "WireTests", dependencies: ["Wire"], swiftSettings: swift6),
        .testTarget(name: "NetworkTests", dependencies: ["Admission", "Registry", "Peer", "NodeRuntime", "Serving", "Sockets", "System", "Wire", "Digest"], swiftSettings: swift6),
        .testTarget(name: "NetworkConfigTests", dependencies: ["NetworkConfig"], swiftSettings: swift6),
        .testTarget(name: "ControlTests", dependencies: ["Control"], swiftSettings: swift6),
        .testTarget(name: "SupervisorTests", dependencies: ["Supervisor", "Control", "NetworkConfig", "NodeRuntime"], swiftSettings: swift6),
    ]
)
