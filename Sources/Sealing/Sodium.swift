import CSodium

/// One-time libsodium initialisation. Global `let`s are initialised lazily and exactly once, so every
/// entry point that touches libsodium reads `Sodium.ready` first and no caller has to remember to.
enum Sodium {
    static let ready: Bool = {
        // sodium_init returns 0 on first success, 1 if already initialised, -1 on failure.
        let result = sodium_init()
        precondition(result >= 0, "libsodium failed to initialise")
        return true
    }()

    /// Makes sure libsodium is initialised before any other libsodium call.
    @inline(__always)
    static func ensureReady() {
        _ = ready
    }
}
