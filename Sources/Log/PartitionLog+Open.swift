import Records

extension PartitionLog {
    /// Opens the segments in the directory: removes stray files, trusts segments wholly before the recovery point
    /// whose indexes agree with the log, scans the rest batch by batch (CRC checked), cuts a torn or corrupt tail,
    /// removes every segment after a cut, and loads the checkpoints.
    func open(now: Int64) throws {
        try storage.makeDirectory(directory)
        var report = LogRecoveryReport()
        let bases = try findSegmentBases(report: &report)
        let checkpoint = checkpointFile.read().flatMap(PartitionCheckpoint.decode)
        report.checkpointValid = checkpoint != nil
        let recoveryPoint = checkpoint?.recoveryPoint ?? 0
        var opened: [LogSegment] = []
        var cut = false
        for base in bases {
            if cut {
                let doomed = try openSegment(base: base, now: now)
                try removeFiles(of: doomed)
                report.removedSegments.append(base)
                continue
            }
            let segment = try openSegment(base: base, now: now)
            if let previous = opened.last, base != previous.nextOffset {
                // Segments follow each other without gaps; a gap or overlap means the previous one lost its tail
                // (or this one is bogus): keep the earlier data only.
                try removeFiles(of: segment)
                report.removedSegments.append(base)
                report.truncations.append(
                    LogRecoveryReport.Truncation(
                        segmentBaseOffset: base,
                        bytesCut: segment.size,
                        reason: "segment starts at \(base) but the log before it ends at \(previous.nextOffset)"
                    )
                )
                cut = true
                continue
            }
            let trusted = try segment.index.load(logSize: segment.size) && segment.rescanTail()
            if !trusted || segment.nextOffset > recoveryPoint {
                report.recoveredSegments.append(base)
                if let damage = try segment.recover() {
                    report.truncations.append(
                        LogRecoveryReport.Truncation(
                            segmentBaseOffset: base,
                            bytesCut: damage.bytesCut,
                            reason: damage.reason
                        )
                    )
                    cut = true
                }
                for file in try segment.filesToSync(includeIndexes: true) { try file.sync() }
            }
            opened.append(segment)
        }
        let start = checkpoint?.logStartOffset ?? opened.first?.baseOffset ?? 0
        if opened.isEmpty {
            opened.append(try openSegment(base: max(0, start), now: now))
            try opened[0].index.reset()
        }
        for segment in opened.dropLast() { try segment.index.releaseFiles() }
        segments = opened
        logStartOffset = min(max(start, segments[0].baseOffset), logEndOffset)
        highWatermark = min(max(checkpoint?.highWatermark ?? logStartOffset, logStartOffset), logEndOffset)
        self.recoveryPoint = logEndOffset
        loadEpochCache()
        recoveryReport = report
        if !report.removedSegments.isEmpty || !report.removedFiles.isEmpty { try storage.syncDirectory(directory) }
        try writeCheckpoint()
    }

    private func openSegment(base: Int64, now: Int64) throws -> LogSegment {
        try LogSegment(
            storage: storage,
            directory: directory,
            baseOffset: base,
            indexIntervalBytes: config.indexIntervalBytes,
            now: now
        )
    }

    /// Base offsets of the `.log` files, sorted; removes temporary files and indexes without a log.
    private func findSegmentBases(report: inout LogRecoveryReport) throws -> [Int64] {
        let names = try storage.listDirectory(directory)
        var bases: [Int64] = []
        for name in names where name.hasSuffix(".log") {
            if let base = Self.parseBase(name.dropLast(4)) { bases.append(base) }
        }
        let known = Set(bases)
        for name in names {
            let stray: Bool
            if name.hasSuffix(".tmp") || name.hasSuffix(".deleted") {
                stray = true
            } else if name.hasSuffix(".index") {
                stray = Self.parseBase(name.dropLast(6)).map { !known.contains($0) } ?? false
            } else if name.hasSuffix(".timeindex") {
                stray = Self.parseBase(name.dropLast(10)).map { !known.contains($0) } ?? false
            } else {
                stray = false
            }
            if stray {
                try storage.removeFile(joinPath(directory, name))
                report.removedFiles.append(name)
            }
        }
        return bases.sorted()
    }

    /// A segment base from a 20-digit file name stem.
    static func parseBase(_ stem: Substring) -> Int64? {
        guard stem.count == 20, stem.allSatisfy({ $0 >= "0" && $0 <= "9" }) else { return nil }
        return Int64(stem)
    }

    /// Loads the epoch cache and drops entries beyond the log (a cut tail) or before its start.
    private func loadEpochCache() {
        let loaded = epochFile.read().flatMap(LeaderEpochCache.decode) ?? LeaderEpochCache()
        var cache = loaded
        cache.truncateFromEnd(endOffset: logEndOffset)
        cache.truncateFromStart(startOffset: logStartOffset)
        leaderEpochCache = cache
        if cache != loaded { try? writeEpochCheckpoint() }
    }
}
