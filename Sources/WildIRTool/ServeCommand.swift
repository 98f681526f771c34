import ArgumentParser
import CLIPTokenizer
import DACLIP
import Foundation
import Server
import WildIR

/// `wildir serve`: the web page and HTTP API for restoration.
struct ServeCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "serve",
        abstract: "Serve a restoration web page and HTTP API (jobs queued, persisted under --data).",
        discussion: """
            Binds to loopback unless --host says otherwise; binding beyond loopback needs a bearer token (--token or \
            the WILDIR_TOKEN environment variable), which every /v1 request and /metrics must then carry. Jobs and \
            results are kept under --data (SQLite records and files): a restart re-queues unfinished jobs and keeps \
            finished results until they expire. The API is described at /openapi.json.

            With --daclip, every upload is also analysed by DA-CLIP (as `wildir analyze` does) before it is \
            restored: the job and the page show how probable each degradation label is (--label, repeated, gives \
            other labels than the ten universal DA-CLIP types). For a network conditioned on DA-CLIP, --daclip is \
            also the DA-CLIP it runs with.
            """
    )

    @Option(help: "Address to bind.")
    var host = "127.0.0.1"

    @Option(help: "Port (0: any free port).")
    var port = 8080

    @Option(help: "'default' or the path of a checkpoint (.safetensors or .pth).")
    var model = "default"

    @OptionGroup var daclipOptions: DACLIPOptions

    @Option(name: .customLong("label"), help: "A degradation label DA-CLIP scores every upload against (repeat for several; default: the ten universal DA-CLIP types; needs --daclip).")
    var labels: [String] = []

    @Option(help: "Restorations running at once, sharing the one loaded model.")
    var workers = 1

    @Option(help: "Jobs that may wait for a worker; more are refused with 429.")
    var queue = 16

    @Option(help: "Folder of the job database, uploads and results.")
    var data = "wildir-serve-data"

    @Option(help: "Bearer token required on /v1 and /metrics (default: WILDIR_TOKEN; needed beyond loopback).")
    var token: String?

    @Option(help: "Largest upload in MiB.")
    var maxUploadMB = 32

    @Option(help: "Largest image in megapixels.")
    var maxMegapixels = 16.0

    @Option(help: "Longest a job may run, in seconds.")
    var jobTimeLimit = 600.0

    @Option(help: "Hours finished jobs and their results are kept.")
    var keepHours = 24.0

    @Option(help: "Largest tile side in pixels.")
    var tile = 512

    func validate() throws {
        guard (0...65535).contains(port) else { throw ValidationError("--port must lie in 0…65535") }
        guard workers >= 1 else { throw ValidationError("--workers must be at least 1") }
        guard queue >= 0 else { throw ValidationError("--queue must be at least 0") }
        guard maxUploadMB > 0, maxMegapixels > 0, jobTimeLimit > 0, keepHours > 0 else {
            throw ValidationError("--max-upload-mb, --max-megapixels, --job-time-limit and --keep-hours must be positive")
        }
        guard (32...8192).contains(tile) else { throw ValidationError("--tile must lie in 32…8192") }
        if !labels.isEmpty && daclipOptions.daclip == nil {
            throw ValidationError("--label names what DA-CLIP scores: give --daclip too")
        }
        if labels.contains(where: { $0.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty }) {
            throw ValidationError("--label must not be empty")
        }
    }

    func run() async throws {
        var settings = ServerConfiguration(dataDirectory: URL(fileURLWithPath: data, isDirectory: true))
        settings.host = host
        settings.port = port
        settings.workers = workers
        settings.queueCapacity = queue
        settings.token = token ?? ProcessInfo.processInfo.environment["WILDIR_TOKEN"].flatMap { $0.isEmpty ? nil : $0 }
        settings.maxUploadBytes = maxUploadMB << 20
        settings.maxPixels = Int(maxMegapixels * 1_000_000)
        settings.jobTimeLimit = jobTimeLimit
        settings.resultLifetime = keepHours * 3600
        do {
            try settings.validate()
            let served = try loadModel()
            let analysed = served.analysis.map { "; DA-CLIP scores \($0.labels.count) degradation labels" } ?? ""
            printError("wildir serve: model \(served.name)\(analysed); http://\(host):\(port)/ (Ctrl-C stops; unfinished jobs resume next time)")
            try await WildIRServer(configuration: settings, served: served).run(handlesSignals: true)
        } catch {
            printError("error: \(error)")
            throw ExitCode(1)
        }
    }

    /// The model (and the DA-CLIP it needs, if any) and, with `--daclip`, the degradation analysis, loaded once for
    /// every worker.
    func loadModel() throws -> ServedModel {
        let url = try ModelLocator().resolve(model)
        let restorationModel = try RestorationModel(contentsOf: url)
        var conditioner: DACLIPConditioner?
        let given = try daclipOptions.load()
        if restorationModel.network.configuration.takesDACLIPContext {
            let reference = try DACLIPReference(metadata: restorationModel.metadata, source: url.path)
            if let given, let path = daclipOptions.daclip {
                try reference?.verify(URL(fileURLWithPath: path))
                conditioner = DACLIPConditioner(model: given)
            } else if let reference {
                conditioner = DACLIPConditioner(model: try daclipOptions.load(try reference.locate(besideModel: url, locator: ModelLocator())))
            }
        }
        // The analysis runs the DA-CLIP given on the command line, whatever the network takes.
        let analysis = try given.map { daclip in
            try DegradationAnalysis(model: daclip, tokenizer: try clipTokenizer(vocabulary: nil),
                                    labels: labels.isEmpty ? DegradationAnalysis.universalLabels : labels)
        }
        return ServedModel(model: restorationModel, conditioner: conditioner, analysis: analysis, name: url.lastPathComponent,
                           tileSize: tile)
    }
}
