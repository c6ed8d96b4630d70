import Gossip
import Partitions
import Primitives
import SimulationEngine

/// What the driver does with the directives a host's process returns: timers go on the queue (on the host's clock),
/// datagrams and streams to the transport, observations to the figures and the checkers.
extension Simulation {
    mutating func apply(_ directives: [NodeDirective], from i: Int, declaring: Bool) {
        for directive in directives {
            switch directive {
            case .schedule(let timer, let after):
                let at = now + hosts[i].clock.virtualDelay(forLocal: after.nanoseconds)
                queue.push(.timer(node: Int32(i), generation: hosts[i].generation, timer: timer), at: at)
            case .send(let datagram, let destination):
                if let message = transport.send(
                    datagram,
                    from: i,
                    to: destination,
                    hosts: &hosts,
                    queue: &queue,
                    now: now
                ) {
                    checkers.record("datagram-size", message, now: now)
                }
            case .pushPull(let payload, let destination, _):
                transport.openStream(payload, from: i, to: destination, hosts: &hosts, queue: &queue, now: now)
            case .memberChanged(let change):
                memberChanged(change, viewer: i, declaring: declaring)
            case .leaveComplete:
                stop(i, reason: "left")
            case .stateChanged(let entry):
                if hosts[i].up {
                    hosts[i].stateChanged()
                    partitionEntryChanged(entry, at: i)
                }
            case .controllerChanged(let view):
                guard hosts[i].up else { break }
                traceWriter?.line(
                    now,
                    "controller-view \(hosts[i].name) \(view.controller ?? "none") epoch \(view.epoch)"
                )
                partitions.controllerViewChanged(i, view, at: now)
                checkers.controllerViewChanged(viewer: i, view: view, now: now)
            case .requestCompleted(let id, let error):
                requestCompleted(id: id, error: error?.description, at: i)
            case .topicDeleted:
                break
            case .persist(let record, let ticket):
                // The data dir's fsync is modelled as instant: the record survives any later crash.
                guard hosts[i].up else { break }
                hosts[i].dataDirectory.voterRecord = record
                apply(
                    hosts[i].process.voterRecordPersisted(ticket: ticket, now: hosts[i].localTimestamp(now)),
                    from: i,
                    declaring: declaring
                )
            }
        }
        observeActing(i)
        hosts[i].saveIfDue(now: now)
    }

    private mutating func memberChanged(_ change: MemberChange, viewer v: Int, declaring: Bool) {
        guard let m = SimulationOptions.nodeIndex(of: change.member.name, nodes: n) else { return }
        let status = change.member.status
        if traceWriter != nil {
            traceWriter?.line(
                now,
                "member \(hosts[v].name) sees \(change.member.name) \(change.previousStatus.map { "\($0)" } ?? "new")->\(status) inc \(change.member.incarnation)"
            )
        }
        membership.viewChanged(viewer: v, member: m, status: status)
        checkers.memberChanged(viewer: v, change: change, member: m, now: now)
        if status == .dead {
            membership.declaredDead(
                viewer: v,
                member: m,
                declaring: declaring,
                hosts: hosts,
                network: transport.network,
                now: now
            )
        }
        membershipChanged(membership.viewsChanged(member: m, now: now))
    }

    /// After the membership figures changed: when that completed join convergence, the workloads waiting for it go.
    mutating func membershipChanged(_ joinConverged: Bool) {
        if joinConverged { topics.joinConverged(queue: &queue, now: now) }
    }

    /// Host `i` accepted a newer cluster-state value: if it is a partition's, check and record its table entry.
    private mutating func partitionEntryChanged(_ entry: StateEntry, at i: Int) {
        guard let (id, previous, state) = partitions.partitionEntryChanged(entry, at: i, hosts: hosts, now: now)
        else { return }
        if traceWriter != nil {
            traceWriter?.line(
                now,
                "partition \(hosts[i].name) \(id) leader \(state.leader ?? "none") epoch \(state.leaderEpoch) isr \(state.isr.joined(separator: ",")) v\(state.version)"
            )
        }
        checkers.partitionChanged(viewer: i, previous: previous, current: state, now: now)
    }

    /// After host `i` handled something: did it start acting as controller?
    private mutating func observeActing(_ i: Int) {
        guard let started = partitions.observeActing(i, hosts: hosts, now: now) else { return }
        traceWriter?.line(now, "acting \(hosts[i].name) epoch \(started.epoch)")
        checkers.controllerStartedActing(node: i, epoch: started.epoch, acting: started.acting, now: now)
    }
}
