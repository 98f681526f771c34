import Foundation
import Server
import XCTest

/// The workers: the per-job time limit, several workers on one model, and finished results swept once their
/// lifetime has passed while the server runs.
final class ServerWorkerTests: ServerTestCase {
    func testAJobPastItsTimeLimitFailsWithAClearMessageAndTheWorkerTakesTheNextJob() async throws {
        let calls = StepCounter()
        let server = try await TestServer(data: data, steps: 8) { configuration in
            configuration.jobTimeLimit = 1
            // The first job's first step takes longer than the whole limit; every other step is quick.
            configuration.stepHook = { _, _ in
                if calls.next() == 0 { Thread.sleep(forTimeInterval: 1.5) }
            }
        }
        let slow = try await server.submitJob(try samplePNG())
        let next = try await server.submitJob(try samplePNG(), fields: ["seed": "1"])
        let failed = try await server.waitForJob(slow)
        XCTAssertEqual(failed["state"] as? String, "failed", "\(failed)")
        XCTAssertEqual(failed["message"] as? String, "the job ran past its time limit of 1 s (--job-time-limit) and was stopped")
        XCTAssertNil(failed["resultURL"])
        let noResult = try await server.request("GET", "/v1/jobs/\(slow)/result")
        XCTAssertEqual(noResult.status, 409)
        let succeeded = try await server.waitForJob(next)
        XCTAssertEqual(succeeded["state"] as? String, "succeeded", "\(succeeded)")
        let metrics = String(decoding: try await server.request("GET", "/metrics").body, as: UTF8.self)
        XCTAssertTrue(metrics.contains("wildir_jobs_finished_total{state=\"failed\"} 1"), metrics)
        XCTAssertTrue(metrics.contains("wildir_jobs_finished_total{state=\"succeeded\"} 1"), metrics)
        await server.stop()
    }

    func testTwoWorkersRunTwoJobsAtOnceWithTheResultsOfASingleWorker() async throws {
        let jobs: [(image: Data, seed: String)] = [(try samplePNG(), "11"), (try samplePNG(width: 40, height: 24), "12")]
        // Two workers: each job waits at step 1 until the other has reached it too, so they overlap.
        let overlap = Rendezvous(parties: 2)
        let concurrent = try await TestServer(data: data, steps: 6) { configuration in
            configuration.workers = 2
            configuration.stepHook = { _, step in
                if step == 1 { overlap.arrive(timeout: 30) }
            }
        }
        let together = try await results(of: jobs, on: concurrent)
        await concurrent.stop()
        XCTAssertTrue(overlap.wasReached, "the two jobs never ran at the same time on two workers")
        // One worker, the same jobs, in another data folder.
        let other = TestServer.temporaryFolder()
        defer { try? FileManager.default.removeItem(at: other) }
        let single = try await TestServer(data: other, steps: 6)
        let alone = try await results(of: jobs, on: single)
        await single.stop()
        XCTAssertEqual(together.count, 2)
        XCTAssertEqual(together, alone, "results on two workers differ from one worker's with the same seeds")
    }

    func testAFinishedResultStaysForItsLifetimeThenIsSweptWhileTheServerRuns() async throws {
        let lifetime = 4.0
        let server = try await TestServer(data: data) { configuration in
            configuration.resultLifetime = lifetime
            configuration.sweepInterval = 0.1
        }
        let id = try await server.submitJob(try samplePNG())
        let job = try await server.waitForJob(id)
        XCTAssertEqual(job["state"] as? String, "succeeded", "\(job)")
        let finished = try XCTUnwrap((job["finishedAt"] as? String).flatMap { ISO8601DateFormatter().date(from: $0) })
        let kept = try await server.request("GET", "/v1/jobs/\(id)/result")
        XCTAssertEqual(kept.status, 200, "swept before its lifetime had passed")
        let folder = data.appendingPathComponent("jobs").appendingPathComponent(id)
        XCTAssertTrue(FileManager.default.fileExists(atPath: folder.path))
        let deadline = Date().addingTimeInterval(lifetime + 30)
        var status = 200
        while status != 404, Date() < deadline {
            try await Task.sleep(for: .milliseconds(50))
            status = try await server.request("GET", "/v1/jobs/\(id)").status
        }
        XCTAssertEqual(status, 404, "still there \(lifetime + 30) s after it finished")
        XCTAssertGreaterThanOrEqual(Date().timeIntervalSince(finished), lifetime, "swept before its lifetime had passed")
        let gone = try await server.request("GET", "/v1/jobs/\(id)/result")
        XCTAssertEqual(gone.status, 404)
        XCTAssertFalse(FileManager.default.fileExists(atPath: folder.path), "the job's files outlived its record")
        await server.stop()
    }

    /// Submits `jobs` and returns their results, in order.
    private func results(of jobs: [(image: Data, seed: String)], on server: TestServer) async throws -> [Data] {
        var ids: [String] = []
        for job in jobs {
            ids.append(try await server.submitJob(job.image, fields: ["seed": job.seed]))
        }
        var results: [Data] = []
        for id in ids {
            let job = try await server.waitForJob(id)
            XCTAssertEqual(job["state"] as? String, "succeeded", "\(job)")
            results.append(try await server.request("GET", "/v1/jobs/\(id)/result").body)
        }
        return results
    }
}

/// Counts calls from any thread.
final class StepCounter: @unchecked Sendable {
    private let lock = NSLock()
    private var count = 0

    /// The number of earlier calls.
    func next() -> Int {
        lock.withLock {
            defer { count += 1 }
            return count
        }
    }
}

/// A meeting point for threads: each `arrive` waits until `parties` threads wait together, or until its timeout
/// passes (then it leaves alone).
final class Rendezvous: @unchecked Sendable {
    private let condition = NSCondition()
    private let parties: Int
    private var waiting = 0
    private var reached = false

    init(parties: Int) {
        self.parties = parties
    }

    /// Whether all the parties were ever waiting at once.
    var wasReached: Bool {
        condition.lock()
        defer { condition.unlock() }
        return reached
    }

    func arrive(timeout: Double) {
        condition.lock()
        defer { condition.unlock() }
        waiting += 1
        if waiting >= parties {
            reached = true
            condition.broadcast()
        }
        let deadline = Date().addingTimeInterval(timeout)
        while !reached, condition.wait(until: deadline) {}
        if !reached { waiting -= 1 }
    }
}
