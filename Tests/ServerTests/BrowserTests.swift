import Foundation
import Imaging
import Restoration
import Server
import TestSupport
import XCTest

/// The page in a real browser: headless Chromium, driven over the DevTools protocol, loads the page of a real
/// server, uploads a photo through the file input, waits for the job, and checks the before/after slider (both
/// images loaded, operated with the keyboard), the DA-CLIP degradation table, the phone layout and the console.
///
/// Chromium missing is a failure, not a skip: `make setup` installs it. With `WILDIR_SCREENSHOTS=FOLDER` the test
/// restores with the bundled model and writes `serve-desktop.png` and `serve-phone.png` there
/// (`scripts/serve-screenshots.sh` regenerates `docs/images/`).
final class BrowserTests: ServerTestCase {
    func testThePageRestoresAnUploadedPhotoAndItsSliderWorksFromTheKeyboard() async throws {
        let chromium: Chromium
        do {
            chromium = try await Chromium()
        } catch {
            return XCTFail("\(error)")
        }
        let screenshots = ProcessInfo.processInfo.environment["WILDIR_SCREENSHOTS"].flatMap { $0.isEmpty ? nil : URL(fileURLWithPath: $0) }
        var failure: (any Error)?
        var server: TestServer?
        var page: DevToolsSession?
        do {
            let served = try PageFixture.served(bundledModel: screenshots != nil)
            server = try await TestServer(data: data, served: served)
            page = try await chromium.page()
            if let server, let page {
                try await drive(page, server: server, photo: try PageFixture.noisyPhoto(in: data), screenshots: screenshots)
            }
        } catch {
            failure = error
        }
        await server?.stop()
        chromium.stop()
        if let failure { XCTFail("\(failure)") }
    }

    /// The whole visit, as a person would make it.
    private func drive(_ page: DevToolsSession, server: TestServer, photo: URL, screenshots: URL?) async throws {
        for domain in ["Runtime", "Log", "Page", "DOM"] { try await page.send("\(domain).enable") }
        try await layout(page, width: 1100, height: 800, mobile: false)
        try await page.send("Page.navigate", ["url": "http://127.0.0.1:\(server.port)/"])
        try await waitFor(page, "the page to load and list the model",
                          "document.readyState === 'complete' && document.getElementById('model').options.length > 0")

        // Choose the photo through the file input, as the file picker would.
        let document = try await page.send("DOM.getDocument", ["depth": 0])
        let root = try XCTUnwrap((document["root"] as? [String: Any])?["nodeId"] as? Int)
        let query = try await page.send("DOM.querySelector", ["nodeId": root, "selector": "#file"])
        let input = try XCTUnwrap(query["nodeId"] as? Int, "no file input on the page")
        try await page.send("DOM.setFileInputFiles", ["nodeId": input, "files": [photo.path]])
        try await waitFor(page, "the photo to be chosen", "!document.getElementById('go').disabled")
        let chosen = try await page.evaluate("document.getElementById('chosen').textContent") as? String
        XCTAssertTrue(chosen?.contains(photo.lastPathComponent) ?? false, chosen ?? "nothing chosen")
        _ = try await page.evaluate("document.getElementById('seed').value = '7'; document.getElementById('go').click()")

        // The job runs; the slider then shows both images, loaded.
        try await waitFor(page, "the restored photo", """
            (() => { const b = document.getElementById('before'), a = document.getElementById('after');
              if (document.getElementById('state').className === 'error') throw new Error(document.getElementById('state').textContent);
              for (const image of [b, a]) {
                // complete with no pixels: the image failed to load.
                if (image.getAttribute('src') && image.complete && image.naturalWidth === 0) throw new Error('the ' + image.id + ' image did not load: ' + image.src);
              }
              return b.complete && a.complete && b.naturalWidth > 0 && a.naturalWidth > 0; })()
            """, timeout: 180)
        let shownValue = try await page.evaluate("""
            ({ before: document.getElementById('before').naturalWidth, after: document.getElementById('after').naturalWidth,
               afterHeight: document.getElementById('after').naturalHeight, shown: !document.getElementById('comparison').hidden,
               afterWidth: document.getElementById('after').getBoundingClientRect().width,
               beforeWidth: document.getElementById('before').getBoundingClientRect().width,
               state: document.getElementById('state').textContent, download: !document.getElementById('download').hidden,
               rows: [...document.querySelectorAll('#degradations tr')].map((r) => r.cells[0].textContent),
               analysis: !document.getElementById('analysis').hidden })
            """)
        let shown = try XCTUnwrap(shownValue as? [String: Any])
        XCTAssertEqual(shown["before"] as? Int, 256, "\(shown)")
        XCTAssertEqual(shown["after"] as? Int, 256, "\(shown)")
        XCTAssertEqual(shown["afterHeight"] as? Int, 170, "\(shown)")
        XCTAssertEqual(shown["shown"] as? Bool, true, "\(shown)")
        // The restored image lies exactly over the upload (the slider's clip reveals one or the other).
        XCTAssertEqual(shown["afterWidth"] as? Double ?? -1, shown["beforeWidth"] as? Double ?? -2, accuracy: 0.5, "\(shown)")
        XCTAssertTrue((shown["state"] as? String)?.hasPrefix("Done in") ?? false, "\(shown)")
        XCTAssertEqual(shown["download"] as? Bool, true, "\(shown)")
        // DA-CLIP's scores of the upload, most probable first.
        XCTAssertEqual(shown["analysis"] as? Bool, true, "\(shown)")
        XCTAssertEqual(Set(shown["rows"] as? [String] ?? []), Set(TinyDACLIP.labels), "\(shown)")

        try await checkKeyboardSlider(page)
        try await checkScreenshots(page, into: screenshots)

        // Nothing went wrong in the page along the way.
        let exceptions = page.events("Runtime.exceptionThrown")
        XCTAssertEqual(exceptions.count, 0, "page exceptions: \(exceptions)")
        let consoleErrors = page.events("Runtime.consoleAPICalled").filter { ["error", "assert"].contains($0["type"] as? String) }
        XCTAssertEqual(consoleErrors.count, 0, "console errors: \(consoleErrors)")
        let logErrors = page.events("Log.entryAdded").compactMap { $0["entry"] as? [String: Any] }.filter { $0["level"] as? String == "error" }
        XCTAssertEqual(logErrors.count, 0, "browser errors: \(logErrors)")
    }

    /// Tab reaches the slider from the Restore button; arrows, End and Home move the restored image's edge.
    private func checkKeyboardSlider(_ page: DevToolsSession) async throws {
        _ = try await page.evaluate("document.getElementById('go').focus()")
        try await press(page, "Tab", code: 9)
        let focused = try await page.evaluate("document.activeElement.id") as? String
        XCTAssertEqual(focused, "slider", "Tab from the Restore button should reach the slider")
        func slider() async throws -> (value: String, clip: String) {
            let state = try await page.evaluate("[document.getElementById('slider').value, document.getElementById('after').style.clipPath]")
            let pair = state as? [String] ?? []
            return (pair.first ?? "?", pair.last ?? "?")
        }
        for _ in 0..<3 { try await press(page, "ArrowRight", code: 39) }
        var now = try await slider()
        XCTAssertEqual(now.value, "53")
        XCTAssertTrue(now.clip.contains("53%"), now.clip)
        try await press(page, "End", code: 35)
        now = try await slider()
        XCTAssertEqual(now.value, "100")
        XCTAssertTrue(now.clip.contains("100%"), now.clip)
        try await press(page, "Home", code: 36)
        now = try await slider()
        XCTAssertEqual(now.value, "0")
        XCTAssertTrue(now.clip.hasSuffix(" 0%)") || now.clip.hasSuffix(" 0px)"), now.clip)
        // Back to the middle for the screenshots.
        _ = try await page.evaluate("const s = document.getElementById('slider'); s.value = 50; s.dispatchEvent(new Event('input')); s.blur()")
    }

    /// The page at desktop and phone width: a PNG of the expected width each time, and no sideways scrolling on the
    /// phone. Written to `folder` when given.
    private func checkScreenshots(_ page: DevToolsSession, into folder: URL?) async throws {
        for (name, width, mobile) in [("serve-desktop.png", 1100, false), ("serve-phone.png", 390, true)] {
            try await layout(page, width: width, height: 800, mobile: mobile)
            let scrollWidth = try await page.evaluate("document.documentElement.scrollWidth") as? Int ?? 0
            if scrollWidth > width {
                let wide = try await page.evaluate("""
                    [...document.querySelectorAll('body *')].filter((e) => e.getBoundingClientRect().right > \(width) + 0.5)
                      .map((e) => e.tagName.toLowerCase() + (e.id ? '#' + e.id : '') + ' (' + Math.round(e.getBoundingClientRect().width) + ' px)')
                      .slice(0, 10).join(', ')
                    """) as? String
                XCTFail("the page scrolls sideways at \(width) px (\(scrollWidth) px wide); past the edge: \(wide ?? "?")")
            }
            let height = min(try await page.evaluate("document.documentElement.scrollHeight") as? Int ?? 800, 2400)
            try await layout(page, width: width, height: height, mobile: mobile)
            let shot = try await page.send("Page.captureScreenshot", ["format": "png"])
            let png = try XCTUnwrap((shot["data"] as? String).flatMap { Data(base64Encoded: $0) }, "no screenshot")
            let image = try ImageCodec.decode([UInt8](png))
            XCTAssertEqual(image.width, width, name)
            if let folder {
                try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
                try png.write(to: folder.appendingPathComponent(name))
            }
        }
    }

    private func layout(_ page: DevToolsSession, width: Int, height: Int, mobile: Bool) async throws {
        try await page.send("Emulation.setDeviceMetricsOverride",
                            ["width": width, "height": height, "deviceScaleFactor": 1, "mobile": mobile])
    }

    /// A key pressed and released, as the keyboard sends it.
    private func press(_ page: DevToolsSession, _ key: String, code: Int) async throws {
        for type in ["rawKeyDown", "keyUp"] {
            try await page.send("Input.dispatchKeyEvent",
                                ["type": type, "key": key, "code": key, "windowsVirtualKeyCode": code, "nativeVirtualKeyCode": code])
        }
    }

    /// Polls `condition` (a script) until it is true.
    /// - Throws: when it is still false after `timeout` seconds, or the script throws.
    private func waitFor(_ page: DevToolsSession, _ what: String, _ condition: String, timeout: Double = 30) async throws {
        let deadline = Date().addingTimeInterval(timeout)
        while try await page.evaluate(condition) as? Bool != true {
            guard Date() < deadline else {
                let state = try? await page.evaluate("document.getElementById('state')?.textContent ?? document.readyState")
                throw PageFixture.TimedOut(what: what, seconds: timeout, pageState: "\(state ?? "?")")
            }
            try await Task.sleep(for: .milliseconds(50))
        }
    }
}

/// What the browser test serves and uploads.
enum PageFixture {
    struct TimedOut: Error, CustomStringConvertible {
        let what: String
        let seconds: Double
        let pageState: String
        var description: String { "waited \(seconds) s for \(what); the page says: \(pageState)" }
    }

    /// The tiny random model (fast), or the bundled one (for screenshots worth looking at), with the tiny DA-CLIP's
    /// analysis either way.
    static func served(bundledModel: Bool) throws -> ServedModel {
        let model = bundledModel ? try RestorationModel(contentsOf: TinyDACLIP.models.appendingPathComponent("default.safetensors"))
                                 : .tiny(steps: 4)
        return ServedModel(model: model, analysis: try TinyDACLIP.analysis(), name: bundledModel ? "default.safetensors" : "tiny")
    }

    /// `chelsea.png` (256 × 170) with Gaussian noise of σ = 20/255, written as `noisy-cat.png` under `folder`.
    static func noisyPhoto(in folder: URL) throws -> URL {
        var image = try ImageCodec.decode([UInt8](try TinyDACLIP.photo()))
        var random = SplitMix64(seed: 2024)
        for index in image.samples.indices {
            let u1 = max(Double(random.next() >> 11) / Double(1 << 53), 1e-12), u2 = Double(random.next() >> 11) / Double(1 << 53)
            let gaussian = (-2 * Foundation.log(u1)).squareRoot() * Foundation.cos(2 * Double.pi * u2)
            image.samples[index] = min(max(image.samples[index] + Float(gaussian * 20 / 255), 0), 1)
        }
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        let url = folder.appendingPathComponent("noisy-cat.png")
        try Data(try ImageCodec.encode(image, as: .png)).write(to: url)
        return url
    }
}
