import SimulationEngine

/// A client of the simulated cluster: something that, at moments of its choosing, submits requests through a host's
/// process and hears how each ended. Topic creation (`TopicCreation`) is the only one today.
///
/// Producers and consumers are next: a producer appends record batches at a host that leads a partition (and hears
/// which were acknowledged), a consumer fetches from an offset. They will be workloads like this one, with their own
/// events (`SimEvent.createTopic` is topic creation's), and will raise the observations data checkers need (see
/// `CheckerSet`). The driver routes a workload's events and the completions of its requests to it
/// (`Simulation+Workloads.swift`).
protocol Workload {
    /// Schedules the first attempts; `stagger` is the window in which the nodes start, seconds.
    func start(stagger: Double, queue: inout EventQueue<SimEvent>)
    /// Every node is up and sees every other for the first time.
    func joinConverged(queue: inout EventQueue<SimEvent>, now: Int64)
}
