import Prometheus

/// The server's Prometheus metrics (served at `/metrics` in the text exposition format).
final class ServerMetrics: Sendable {
    let registry = PrometheusCollectorRegistry()
    private let submitted: Counter
    private let refused: Counter
    private let queueDepth: Gauge
    private let running: Gauge
    private let duration: ValueHistogram

    init() {
        submitted = registry.makeCounter(descriptor: Self.name("jobs_submitted_total", "Jobs accepted by POST /v1/jobs."))
        refused = registry.makeCounter(descriptor: Self.name("jobs_refused_total", "Submissions refused because the queue was full."))
        queueDepth = registry.makeGauge(descriptor: Self.name("queue_depth", "Jobs waiting for a worker."))
        running = registry.makeGauge(descriptor: Self.name("jobs_running", "Jobs being restored."))
        duration = registry.makeValueHistogram(
            descriptor: MetricNameDescriptor(namespace: "wildir", metricName: "job", unitName: "seconds",
                                             helpText: "Time from a job's start to its end."),
            buckets: [0.1, 0.5, 1, 5, 15, 60, 300, 900])
    }

    private static func name(_ metric: String, _ help: String) -> MetricNameDescriptor {
        MetricNameDescriptor(namespace: "wildir", metricName: metric, unitName: "", helpText: help)
    }

    func jobSubmitted() { submitted.increment() }
    func jobRefused() { refused.increment() }

    func jobEnded(_ state: JobState, seconds: Double) {
        registry.makeCounter(descriptor: Self.name("jobs_finished_total", "Jobs that ended, by final state."),
                             labels: [("state", state.rawValue)]).increment()
        duration.record(seconds)
    }

    func queue(depth: Int, running active: Int) {
        queueDepth.set(Double(depth))
        running.set(Double(active))
    }

    /// The exposition text.
    func render() -> [UInt8] {
        var buffer: [UInt8] = []
        registry.emit(into: &buffer)
        return buffer
    }
}
