import Primitives

// The engine's portable random draws (on `Primitives.SeededRandom`) and the run digest.

extension SeededRandom {
    /// A uniform double in [0, 1) from the top 53 bits; no platform-specific floating-point path.
    @inlinable
    public mutating func unitDouble() -> Double {
        Double(next() >> 11) * 0x1.0p-53
    }

    /// True with probability `p`.
    @inlinable
    public mutating func chance(_ p: Double) -> Bool {
        p > 0 && unitDouble() < p
    }

    /// A uniform integer in 0..<bound (bound > 0), by rejection so it is unbiased and portable.
    @inlinable
    public mutating func below(_ bound: Int) -> Int {
        precondition(bound > 0)
        let b = UInt64(bound)
        let limit = UInt64.max - UInt64.max % b
        while true {
            let x = next()
            if x < limit { return Int(x % b) }
        }
    }
}

/// 64-bit FNV-1a, the run's trace digest: every delivery folds in its time, endpoints, kind and bytes.
public struct TraceHash: Sendable, Equatable {
    public private(set) var value: UInt64 = 0xcbf2_9ce4_8422_2325
    private static let prime: UInt64 = 0x0000_0100_0000_01B3

    public init() {}

    @inline(__always)
    public mutating func mix(byte: UInt8) {
        value = (value ^ UInt64(byte)) &* Self.prime
    }

    public mutating func mix(_ word: UInt64) {
        var w = word
        for _ in 0..<8 {
            mix(byte: UInt8(truncatingIfNeeded: w))
            w >>= 8
        }
    }

    public mutating func mix(bytes: [UInt8]) {
        mix(UInt64(bytes.count))
        var v = value
        bytes.withUnsafeBufferPointer { buffer in
            for byte in buffer { v = (v ^ UInt64(byte)) &* Self.prime }
        }
        value = v
    }

    public var hex: String {
        let digits = String(value, radix: 16)
        return String(repeating: "0", count: 16 - digits.count) + digits
    }
}

/// SplitMix64 finaliser, for deterministic per-link properties derived from the seed.
@inlinable
public func mix64(_ input: UInt64) -> UInt64 {
    var z = input &+ 0x9E37_79B9_7F4A_7C15
    z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
    z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
    return z ^ (z >> 31)
}
