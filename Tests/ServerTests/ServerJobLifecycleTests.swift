import Dispatch
import Foundation
import Server
import XCTest

/// Jobs that survive: cancellation (queued, and running within a sampling step) and restarts with nothing lost,
/// whether the jobs were waiting or running.
final class ServerJobLifecycleTests: ServerTestCase {
    func testCancellingAQueuedJobRemovesItFromTheQueue() async throws {
        let server = try await TestServer(data: data, paused: true)
        let submitted = try await server.submit(try samplePNG())
        let id = try XCTUnwrap(submitted.json["id"] as? String)
        let cancelled = try await server.request("DELETE", "/v1/jobs/\(id)")
        XCTAssertEqual(cancelled.status, 200)
        XCTAssertEqual(cancelled.json["state"] as? String, "cancelled")
        let reply1 = try await server.request("GET", "/healthz")
        XCTAssertEqual(reply1.json["queued"] as? String, "0")
        let again = try await server.request("DELETE", "/v1/jobs/\(id)")
        XCTAssertEqual(again.status, 409)
        let reply2 = try await server.request("GET", "/v1/jobs/\(id)/result")
        XCTAssertEqual(reply2.status, 409)
        await server.stop()
    }

    func testCancellingARunningJobStopsItWithinAStep() async throws {
        // The worker stops at step 1 until the test has sent DELETE.
        let (reached, reachedContinuation) = AsyncStream<Void>.makeStream()
        let release = DispatchSemaphore(value: 0)
        let server = try await TestServer(data: data, steps: 40) { configuration in
            configuration.stepHook = { _, step in
                guard step == 1 else { return }
                reachedContinuation.yield()
                _ = release.wait(timeout: .now() + 30)
            }
        }
        let submitted = try await server.submit(try samplePNG())
        let id = try XCTUnwrap(submitted.json["id"] as? String)
        var steps = reached.makeAsyncIterator()
        _ = await steps.next()
        let running = try await server.request("GET", "/v1/jobs/\(id)")
        XCTAssertEqual(running.json["state"] as? String, "running")
        XCTAssertEqual((running.json["progress"] as? [String: Any])?["step"] as? Int, 1)
        let reply3 = try await server.request("DELETE", "/v1/jobs/\(id)")
        XCTAssertEqual(reply3.status, 200)
        release.signal()
        let job = try await server.waitForJob(id)
        XCTAssertEqual(job["state"] as? String, "cancelled", "\(job)")
        XCTAssertEqual(job["message"] as? String, "cancelled by the client")
        await server.stop()
    }

    func testAJobRunningAtShutdownIsRequeuedAndCompletesAsAnUninterruptedRunWould() async throws {
        // First run: job A holds at step 1 until shutdown has asked it to stop; job B, the same photo and seed, waits.
        let (reached, reachedContinuation) = AsyncStream<Void>.makeStream()
        let release = DispatchSemaphore(value: 0)
        let first = try await TestServer(data: data, steps: 12) { configuration in
            configuration.stepHook = { _, step in
                guard step == 1 else { return }
                reachedContinuation.yield()
                _ = release.wait(timeout: .now() + 30)
            }
            configuration.shutdownHook = { release.signal() }
        }
        let a = try await first.submitJob(try samplePNG(), fields: ["seed": "9"])
        var steps = reached.makeAsyncIterator()
        _ = await steps.next()
        let b = try await first.submitJob(try samplePNG(), fields: ["seed": "9"])
        let running = try await first.request("GET", "/v1/jobs/\(a)")
        XCTAssertEqual(running.json["state"] as? String, "running")
        await first.stop()
        // Between the runs (a paused start): A is queued again, without a start time, and B still waits.
        let between = try await TestServer(data: data, steps: 12, paused: true)
        for id in [a, b] {
            let job = try await between.request("GET", "/v1/jobs/\(id)").json
            XCTAssertEqual(job["state"] as? String, "queued", "\(job)")
            XCTAssertNil(job["startedAt"], "\(job)")
            XCTAssertNil(job["finishedAt"], "\(job)")
        }
        await between.stop()
        // Next run: both complete, and the interrupted job's result is the uninterrupted one's, byte for byte.
        let next = try await TestServer(data: data, steps: 12)
        var results: [Data] = []
        for id in [a, b] {
            let job = try await next.waitForJob(id)
            XCTAssertEqual(job["state"] as? String, "succeeded", "\(job)")
            let result = try await next.request("GET", "/v1/jobs/\(id)/result")
            XCTAssertEqual(result.status, 200)
            results.append(result.body)
        }
        XCTAssertFalse(results[0].isEmpty)
        XCTAssertEqual(results[0], results[1], "the re-run job's result differs from an uninterrupted run with the same seed")
        let input = try await next.request("GET", "/v1/jobs/\(a)/input")
        XCTAssertEqual(input.body, try samplePNG())
        await next.stop()
    }

    func testARestartMidQueueLosesNothingAndKeepsResultsUntilTheyExpire() async throws {
        // First run: three jobs accepted, none started, then the server stops.
        let first = try await TestServer(data: data, paused: true)
        var ids: [String] = []
        for seed in 0..<3 {
            let submitted = try await first.submit(try samplePNG(), fields: ["seed": "\(seed)"])
            ids.append(try XCTUnwrap(submitted.json["id"] as? String))
        }
        await first.stop()
        // Second run: they run, in order, with their options.
        let second = try await TestServer(data: data)
        for (seed, id) in ids.enumerated() {
            let job = try await second.waitForJob(id)
            XCTAssertEqual(job["state"] as? String, "succeeded", "\(job)")
            XCTAssertEqual((job["options"] as? [String: Any])?["seed"] as? Int, seed)
        }
        await second.stop()
        // Third run: the finished results are still there.
        let third = try await TestServer(data: data)
        for id in ids {
            let result = try await third.request("GET", "/v1/jobs/\(id)/result")
            XCTAssertEqual(result.status, 200)
        }
        await third.stop()
        // A run with a short lifetime sweeps them away (record and files).
        let fourth = try await TestServer(data: data) { $0.resultLifetime = 0.001 }
        let deadline = Date().addingTimeInterval(30)
        for id in ids {
            while try await fourth.request("GET", "/v1/jobs/\(id)").status != 404, Date() < deadline {
                try await Task.sleep(for: .milliseconds(20))
            }
            let reply4 = try await fourth.request("GET", "/v1/jobs/\(id)")
            XCTAssertEqual(reply4.status, 404)
        }
        await fourth.stop()
        let folders = try FileManager.default.contentsOfDirectory(atPath: data.appendingPathComponent("jobs").path)
        XCTAssertEqual(folders.count, 0, "\(folders)")
    }
}
