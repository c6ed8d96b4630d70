/// Virtual time: `Int64` nanoseconds since the start of a run, the engine's only clock. Scenarios and reports speak
/// seconds; these are the conversions every part of the simulator uses, so a time given in seconds always lands on
/// the same nanosecond.
public enum VirtualTime {
    /// One virtual second, in nanoseconds.
    public static let second: Int64 = 1_000_000_000

    /// Seconds to nanoseconds, rounded to the nearest.
    @inlinable
    public static func nanoseconds(_ seconds: Double) -> Int64 { Int64((seconds * 1e9).rounded()) }

    /// Nanoseconds to seconds.
    @inlinable
    public static func seconds(_ nanoseconds: Int64) -> Double { Double(nanoseconds) / 1e9 }
}
