/// FNV-1a over strings: the same on every node and in every process (Swift's `Hasher` is seeded per process), so
/// nodes can agree on a choice without talking.
public enum StableHash {
    public static func of(_ parts: String...) -> UInt64 {
        var hash: UInt64 = 0xcbf2_9ce4_8422_2325
        for part in parts {
            for byte in part.utf8 {
                hash ^= UInt64(byte)
                hash &*= 0x0000_0100_0000_01B3
            }
            // A separator, so ("ab", "c") and ("a", "bc") differ.
            hash ^= 0xFF
            hash &*= 0x0000_0100_0000_01B3
        }
        return hash
    }
}
