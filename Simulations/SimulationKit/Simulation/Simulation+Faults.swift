import Foundation
import Gossip
import SimulationEngine

/// Applying a scenario's timed faults: to the hosts (process model and clocks), to the network, or to whichever node
/// acts as controller or leads the most partitions at that moment.
extension Simulation {
    mutating func applyFault(_ fault: TimedFault) {
        membership.faultStarting(fault.action.label, now: now)
        traceWriter?.line(now, "fault \(fault.action.label) \(fault.action.nodes)")
        switch fault.action {
        case .crash(let list):
            crash(list)
        case .crashController:
            if let c = partitions.refreshActing(hosts: hosts, now: now).first {
                victims.append(c)
                crash([c])
            } else {
                skip("crash-controller at %.3fs: no node acts as controller")
            }
        case .crashLeader:
            if let leader = partitions.busiestLeader(hosts: hosts, now: now) {
                victims.append(leader)
                crash([leader])
            } else {
                skip("crash-leader at %.3fs: no broker but the controller leads")
            }
        case .isolateController:
            if let c = partitions.refreshActing(hosts: hosts, now: now).first {
                // The largest minority of voters the controller can take with it: none of 3, one of 5.
                let companions = voters.filter { $0 != c }.prefix(max(0, (voters.count - 1) / 2 - 1))
                let group = ([c] + companions).sorted()
                partitions.controllerLost(c, cause: "isolate", at: now)
                disrupt(transport.network.apply(.partition([group, (0..<n).filter { !group.contains($0) }])))
            } else {
                skip("isolate-controller at %.3fs: no node acts as controller")
            }
        case .restartVictims:
            for i in victims where !hosts[i].up {
                hosts[i].lastDisruption = now
                boot(i)
            }
            victims.removeAll()
        case .restart(let list):
            for i in list {
                hosts[i].lastDisruption = now
                boot(i)
            }
        case .leave(let list):
            for i in list where hosts[i].up && !hosts[i].leaving {
                hosts[i].leaving = true
                hosts[i].lastDisruption = now
                membershipChanged(membership.nodeLeaving(i, now: now))
                let directives = hosts[i].process.leave(now: hosts[i].localTimestamp(now))
                apply(directives, from: i, declaring: false)
            }
        case .pause(let list):
            for i in list where hosts[i].up {
                hosts[i].paused = true
                hosts[i].lastDisruption = now
            }
        case .resume(let list):
            for i in list where hosts[i].up && hosts[i].paused {
                hosts[i].lastDisruption = now
                for event in hosts[i].resume() { queue.push(event, at: now) }
            }
        case .slow(let list, let delayMs):
            for i in list {
                hosts[i].slowDelay = VirtualTime.nanoseconds(delayMs / 1000)
                // Becoming slow is not a disruption of the node's peers: its own false accusations still count.
                if delayMs == 0 { hosts[i].lastDisruption = now }
            }
        case .clock(let list, let stepMs, let drift):
            for i in list {
                hosts[i].clock.adjust(atVirtual: now, step: VirtualTime.nanoseconds(stepMs / 1000), drift: drift)
                hosts[i].lastDisruption = now
            }
        case .partition, .isolate, .bridge, .healPartitions, .heal, .oneWay, .unblock, .cut, .restore, .network:
            disrupt(transport.network.apply(fault.action))
            if case .network = fault.action { transport.network.lastGlobalChange = now }
        }
        membership.faultApplied(fault.action.label, isRepair: fault.action.isRepair, now: now)
    }

    /// The network fault touched these hosts' connectivity.
    private mutating func disrupt(_ touched: [Int]) {
        for i in touched { hosts[i].lastDisruption = now }
    }

    /// A dynamic fault found no target; `format` has one `%.3f` for the time.
    private mutating func skip(_ format: String) {
        skippedFaults.append(String(format: format, VirtualTime.seconds(now)))
    }
}
