import Foundation
import Hummingbird

/// Everything but the jobs: the page, the model list, health, metrics and the API description.
struct ServiceRoutes: Sendable {
    let center: JobCenter

    func add(to router: Router<BasicRequestContext>) {
        router.get("/") { _, _ in Self.text(Page.html, type: "text/html; charset=utf-8") }
        router.get("/healthz") { _, _ -> Response in
            let queued = await center.queue.depth
            let running = await center.queue.active
            return try JSONResponse.make(["status": "ok", "queued": "\(queued)", "running": "\(running)"])
        }
        router.get("/metrics") { _, _ -> Response in
            await center.refreshGauges()
            return Response(status: .ok, headers: [.contentType: "text/plain; version=0.0.4"],
                            body: ResponseBody(byteBuffer: ByteBuffer(bytes: center.metrics.render())))
        }
        router.get("/openapi.json") { _, _ in Self.text(OpenAPIDocument.json, type: "application/json") }
        router.get("/v1/models") { _, _ in try JSONResponse.make(["models": [ModelInfo(center.served)]]) }
    }

    static func text(_ text: String, type: String) -> Response {
        Response(status: .ok, headers: [.contentType: type, .cacheControl: "no-cache"],
                 body: ResponseBody(byteBuffer: ByteBuffer(string: text)))
    }
}

/// One entry of `GET /v1/models`.
struct ModelInfo: Encodable {
    let name: String
    let trainingSteps: Int
    let defaultSteps: Int
    let defaultSampler: String
    let samplers: [String]
    let daclip: Bool
    /// The labels each upload's degradations are scored against (`--daclip`); absent without an analysis.
    let degradationLabels: [String]?

    init(_ served: ServedModel) {
        let sde = served.model.sdeOptions
        name = served.name
        trainingSteps = sde.steps
        defaultSteps = sde.sampleSteps ?? sde.steps
        defaultSampler = sde.samplingMode.rawValue
        samplers = ["posterior", "sde", "ode"]
        daclip = served.conditioner != nil
        degradationLabels = served.analysis?.labels
    }
}
