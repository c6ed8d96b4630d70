import Logging
import ServiceLifecycle

/// Runs an agent inside a ServiceLifecycle `ServiceGroup`: starts it, and on graceful shutdown (SIGTERM/SIGINT
/// when the group is configured with them) leaves the cluster before returning. `run()` also returns once the
/// agent left on its own (`POST /v1/leave`), so the process can exit.
public struct PeerAgentService: Service {
    public let configuration: AgentConfiguration
    private let logger: Logger
    private let renderMetrics: (@Sendable () -> String)?

    public init(
        configuration: AgentConfiguration,
        logger: Logger,
        renderMetrics: (@Sendable () -> String)? = nil
    ) {
        self.configuration = configuration
        self.logger = logger
        self.renderMetrics = renderMetrics
    }

    public func run() async throws {
        let agent = try await PeerAgent.start(
            configuration: configuration,
            logger: logger,
            renderMetrics: renderMetrics
        )
        await withTaskCancellationHandler {
            await withGracefulShutdownHandler {
                await agent.waitUntilStopped()
            } onGracefulShutdown: {
                Task { await agent.leave() }
            }
        } onCancel: {
            Task { await agent.stop() }
        }
        if let error = await agent.stopError() { throw error }
    }
}
