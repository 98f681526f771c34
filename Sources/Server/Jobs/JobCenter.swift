import Foundation
import Imaging
import Logging

/// The jobs side of the server, below HTTP: accepting uploads as jobs, their status, results and cancellation.
struct JobCenter: Sendable {
    let configuration: ServerConfiguration
    let store: JobStore
    let files: JobFiles
    let queue: JobQueue
    let board: ProgressBoard
    let metrics: ServerMetrics
    let served: ServedModel
    let logger: Logger

    /// Accepts the upload in `file` (already received, within the size limit) as a job.
    /// - Throws: ``APIError``: 400 bad form or options, 415 not an image, 413 too many pixels, 422 unreadable image,
    ///   429 queue full.
    func submit(upload file: URL, contentType: String?) async throws -> JobStatus {
        defer { try? FileManager.default.removeItem(at: file) }
        guard let boundary = contentType.flatMap(MultipartForm.boundary(contentType:)) else {
            throw APIError(.unsupportedMediaType, "unsupported_media_type", "send multipart/form-data with an 'image' file field")
        }
        let body: Data
        do { body = try Data(contentsOf: file, options: .alwaysMapped) } catch {
            throw APIError(.internalServerError, "storage", "cannot read the received upload")
        }
        let form = try MultipartForm(body: body, boundary: boundary)
        let images = form.parts.filter { $0.name == "image" }
        guard images.count == 1, let image = images.first else {
            throw APIError.badRequest("the form needs exactly one 'image' file field")
        }
        var fields: [String: String] = [:]
        for part in form.parts where part.name != "image" {
            guard part.body.count <= 64, let text = String(data: part.body, encoding: .utf8) else {
                throw APIError.badRequest("field '\(part.name)' is not short text")
            }
            fields[part.name] = text.trimmingCharacters(in: .whitespacesAndNewlines)
        }
        let options = try JobOptions(fields: fields)
        try checkSteps(options)
        let bytes = [UInt8](image.body)
        guard !bytes.isEmpty else { throw APIError.badRequest("the image is empty") }
        // The bytes say what the file is; its name and declared type are not trusted.
        guard let format = ImageFormat.sniff(bytes) else {
            throw APIError(.unsupportedMediaType, "unsupported_media_type", "the upload is not a PNG, JPEG or WebP image")
        }
        let decoded = try decodeChecked(bytes)
        let id = UUID()
        let input = files.newIncoming()
        do {
            try Data(bytes).write(to: input)
            try files.adopt(input, as: id)
        } catch {
            throw APIError(.internalServerError, "storage", "cannot store the upload")
        }
        let record = JobRecord(id: id.uuidString, state: .queued, options: options, inputFormat: format.rawValue,
                               width: decoded.width, height: decoded.height, fileName: image.fileName.map(Self.displayName),
                               createdAt: Date())
        do { try store.insert(record) } catch {
            files.remove(id)
            throw APIError(.internalServerError, "storage", "cannot record the job")
        }
        do {
            try await queue.submit(id)
        } catch {
            try? store.delete(id: record.id)
            files.remove(id)
            metrics.jobRefused()
            throw APIError(.tooManyRequests, "queue_full", "the queue is full (\(configuration.queueCapacity) jobs waiting); try again later",
                           headers: [.retryAfter: "\(configuration.retryAfterSeconds)"])
        }
        metrics.jobSubmitted()
        await refreshGauges()
        logger.info("job \(id) queued: \(decoded.width)×\(decoded.height) \(format.name)")
        return JobStatus(record, progress: nil)
    }

    /// Steps beyond the model's T are refused at submission rather than failing later.
    private func checkSteps(_ options: JobOptions) throws {
        let most = served.model.sdeOptions.steps
        if let steps = options.steps, steps > most {
            throw APIError.badRequest("steps must lie in 1…\(most) for this model, got \(steps)")
        }
    }

    /// Decodes within the pixel limit, mapping the decoder's errors to 4xx answers.
    private func decodeChecked(_ bytes: [UInt8]) throws -> Image {
        do {
            return try ImageCodec.decode(bytes, source: "upload", options: DecodeOptions(maxPixels: configuration.maxPixels))
        } catch let error as ImagingError {
            if case .tooManyPixels = error {
                throw APIError(.contentTooLarge, "too_many_pixels", "\(error)")
            }
            throw APIError(.unprocessableContent, "unreadable_image", "\(error)")
        }
    }

    func status(_ id: UUID) throws -> JobStatus {
        JobStatus(try record(id), progress: board.progress(id))
    }

    func record(_ id: UUID) throws -> JobRecord {
        guard let record = try? store.record(id: id.uuidString) else { throw APIError.notFound("no job \(id.uuidString)") }
        return record
    }

    func recent(limit: Int) throws -> [JobStatus] {
        try store.recent(limit: limit).map { JobStatus($0, progress: UUID(uuidString: $0.id).flatMap(board.progress)) }
    }

    /// Cancels a queued or running job; a finished one is left as it is (409).
    func cancel(_ id: UUID) async throws -> JobStatus {
        var record = try record(id)
        guard !record.state.isFinished else {
            throw APIError(.conflict, "finished", "job \(id.uuidString) has already \(record.state.rawValue)")
        }
        switch await queue.cancel(id) {
        case .notActive where record.state == .running:
            break  // its worker is recording its end
        case .removedFromQueue, .notActive:
            record.state = .cancelled
            record.finishedAt = Date()
            record.message = "cancelled by the client"
            try? store.save(record)
            metrics.jobEnded(.cancelled, seconds: 0)
        case .stopping:
            break  // the worker records the end within a sampling step
        }
        await refreshGauges()
        return JobStatus(record, progress: board.progress(id))
    }

    func refreshGauges() async {
        metrics.queue(depth: await queue.depth, running: await queue.active)
    }

    /// A client's file name reduced to something safe to show: its last component, printable, at most 100 characters.
    static func displayName(_ name: String) -> String {
        let last = name.split(whereSeparator: { $0 == "/" || $0 == "\\" }).last.map(String.init) ?? ""
        return String(last.unicodeScalars.filter { !CharacterSet.controlCharacters.contains($0) }.prefix(100).map(Character.init))
    }
}
