// swift-tools-version:6.0
import PackageDescription

let package = Package(
    name: "peer",
    platforms: [.macOS(.v14)],
    products: [
        .library(name: "Primitives", targets: ["Primitives"]),
        .library(name: "Gossip", targets: ["Gossip"]),
        .library(name: "Partitions", targets: ["Partitions"]),
        .library(name: "Sealing", targets: ["Sealing"]),
        .library(name: "Records", targets: ["Records"]),
        .library(name: "Log", targets: ["Log"]),
        .library(name: "Replication", targets: ["Replication"]),
        .library(name: "PeerNode", targets: ["PeerNode"]),
        .library(name: "PeerRPC", targets: ["PeerRPC"]),
        .library(name: "KafkaProtocol", targets: ["KafkaProtocol"]),
        .library(name: "KafkaClient", targets: ["KafkaClient"]),
        .library(name: "SimulationEngine", targets: ["SimulationEngine"]),
        .library(name: "SimulationKit", targets: ["SimulationKit"]),
        .library(name: "BatchCompression", targets: ["BatchCompression"]),
        .executable(name: "peer", targets: ["peer"]),
        .executable(name: "peer-sim", targets: ["peer-sim"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-nio.git", from: "2.101.2"),
        .package(url: "https://github.com/apple/swift-argument-parser.git", from: "1.8.2"),
        .package(url: "https://github.com/apple/swift-log.git", from: "1.16.2"),
        .package(url: "https://github.com/apple/swift-metrics.git", from: "2.13.0"),
        .package(url: "https://github.com/swift-server/swift-prometheus.git", from: "2.4.1"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle.git", from: "2.13.0"),
        .package(url: "https://github.com/HdrHistogram/hdrhistogram-swift", from: "0.2.0"),
    ],
    targets: [
        // libsodium, found through pkg-config; `scripts/ensure-deps.sh` installs it when absent.
        .systemLibrary(
            name: "CSodium",
            pkgConfig: "libsodium",
            providers: [.apt(["libsodium-dev"])]
        ),
        // The small values every core and both shells share: timestamps, the seeded RNG, peer addresses, the
        // big-endian byte reader and writer with their decode error, and a stable string hash. No dependencies.
        .target(name: "Primitives"),
        // Sans-IO SWIM core: no sockets, clocks, sleeps or global RNG.
        .target(name: "Gossip", dependencies: ["Primitives"]),
        // Sans-IO controller, lease and partition-state core.
        .target(name: "Partitions", dependencies: ["Primitives", "Gossip"]),
        // Kafka's RecordBatch v2: CRC-32C, varints, validation, stamping, building and reading batches.
        .target(name: "Records"),
        // Kafka's log for partition replicas: segments, indexes, recovery, retention, behind a storage interface.
        .target(name: "Log", dependencies: ["Records"]),
        // AEAD sealing of datagrams and frames, the keyring and the replay guard.
        .target(name: "Sealing", dependencies: ["CSodium"]),
        // Sans-IO replication core: leader side (follower positions, high watermark, ISR proposals), follower side
        // (fetch loop, truncation by leader epoch); time as Int64 milliseconds, no dependencies.
        .target(name: "Replication"),
        // Sans-IO codec for Kafka's wire protocol (requests and responses, both directions); no dependencies.
        .target(name: "KafkaProtocol"),
        // A small async Kafka client (produce, fetch, metadata) on SwiftNIO, for `peer produce/consume/bench`.
        .target(
            name: "KafkaClient",
            dependencies: [
                "KafkaProtocol", "Records",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
            ]
        ),
        // The agent's RPC as a client sees it: the JSON models, the HTTP client and the default addresses, apart
        // from the server so the CLI's client commands do not link the agent.
        .target(
            name: "PeerRPC",
            dependencies: [
                "Primitives", "Gossip", "Partitions",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
            ]
        ),
        // Real `peer agent` children on loopback for `peer dev`, `peer bench` and the process tests: ports, data
        // directories, key and token, command lines, spawning, readiness, stopping.
        .target(name: "LocalCluster", dependencies: ["Primitives", "Gossip", "Sealing", "PeerRPC"]),
        // The real shell: SwiftNIO sockets, timers, the RPC endpoint.
        .target(
            name: "PeerNode",
            dependencies: [
                "Primitives", "Gossip", "Partitions", "PeerRPC", "Sealing", "KafkaProtocol", "Records", "Log", "Replication",
                "BatchCompression",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ]
        ),
        .executableTarget(
            name: "peer",
            dependencies: [
                "PeerNode", "PeerRPC", "LocalCluster", "Primitives", "Gossip", "Partitions", "Sealing", "KafkaClient",
                "KafkaProtocol", "Records", "BatchCompression",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "Prometheus", package: "swift-prometheus"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "Histogram", package: "hdrhistogram-swift"),
            ]
        ),
        // The simulation engine: the event queue, virtual time, host clocks, seeded draws and the trace hash; no
        // knowledge of gossip or partitions (it needs only `Primitives`, for `SeededRandom` and `Timestamp`).
        .target(
            name: "SimulationEngine",
            dependencies: ["Primitives"],
            path: "Simulations/SimulationEngine"
        ),
        // The simulated shell: virtual clock, seeded RNG, simulated network, same cores.
        .target(
            name: "SimulationKit",
            dependencies: ["SimulationEngine", "Primitives", "Gossip", "Partitions", "Sealing"],
            path: "Simulations/SimulationKit"
        ),
        .executableTarget(
            name: "peer-sim",
            dependencies: [
                "SimulationKit", "Primitives",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ],
            path: "Simulations/peer-sim"
        ),
        // The compression libraries Kafka's codecs need, found through pkg-config; `scripts/ensure-deps.sh`
        // installs them when absent.
        .systemLibrary(name: "CZlib", pkgConfig: "zlib", providers: [.apt(["zlib1g-dev"])]),
        .systemLibrary(name: "CSnappy", pkgConfig: "snappy", providers: [.apt(["libsnappy-dev"])]),
        .systemLibrary(name: "CLZ4", pkgConfig: "liblz4", providers: [.apt(["liblz4-dev"])]),
        .systemLibrary(name: "CZstd", pkgConfig: "libzstd", providers: [.apt(["libzstd-dev"])]),
        // Kafka's record batch codecs (gzip, snappy, lz4, zstd) over the system libraries, with a size bound (not
        // named Compression: that is an Apple framework).
        .target(name: "BatchCompression", dependencies: ["Records", "CZlib", "CSnappy", "CLZ4", "CZstd"]),
        // What the cores' test harnesses share: virtual time and the run loops on the simulator's engine.
        .target(name: "TestSupport", dependencies: ["Primitives", "SimulationEngine"], path: "Tests/TestSupport"),
        .testTarget(name: "GossipTests", dependencies: ["Gossip", "Primitives", "TestSupport"]),
        .testTarget(
            name: "PartitionsTests",
            dependencies: ["Partitions", "Gossip", "Primitives", "SimulationEngine", "TestSupport"]
        ),
        .testTarget(name: "SealingTests", dependencies: ["Sealing", "Primitives"]),
        .testTarget(name: "KafkaProtocolTests", dependencies: ["KafkaProtocol", "Primitives"]),
        .testTarget(
            name: "KafkaClientTests",
            dependencies: [
                "KafkaClient", "KafkaProtocol", "Records", "Primitives",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOEmbedded", package: "swift-nio"),
            ]
        ),
        .testTarget(name: "RecordsTests", dependencies: ["Records", "Primitives"]),
        .testTarget(name: "LogTests", dependencies: ["Log", "Records", "Primitives"]),
        .testTarget(name: "ReplicationTests", dependencies: ["Replication", "Log", "Primitives"]),
        .testTarget(
            name: "PeerNodeTests",
            dependencies: [
                "PeerNode", "PeerRPC", "LocalCluster", "Primitives", "Gossip", "Sealing",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOEmbedded", package: "swift-nio"),
            ]
        ),
        .testTarget(
            name: "SimulationTests",
            dependencies: ["SimulationKit", "SimulationEngine", "Gossip", "Primitives"]
        ),
        .testTarget(name: "CompressionTests", dependencies: ["BatchCompression", "Records", "Primitives"]),
    ]
)
