import Logging
import Metrics
import Prometheus

/// The only place that bootstraps swift-log and swift-metrics; libraries just use what is set up here.
enum Observability {
    /// Logs to stderr at `logLevel` and collects metrics in a Prometheus registry. Returns the renderer
    /// for `GET /metrics`.
    static func bootstrap(logLevel: Logger.Level) -> @Sendable () -> String {
        LoggingSystem.bootstrap { label in
            var handler = StreamLogHandler.standardError(label: label)
            handler.logLevel = logLevel
            return handler
        }
        let registry = PrometheusCollectorRegistry()
        MetricsSystem.bootstrap(PrometheusMetricsFactory(registry: registry))
        return { registry.emitToString() }
    }
}
