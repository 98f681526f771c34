import Configuration
import Degradation
import XCTest

/// A pipeline's settings file gives any subset of its fields over the published defaults; unknown keys and
/// out-of-range values are errors that name the file and the key.
final class PipelineSettingsTests: XCTestCase {
    func pipeline(_ name: DegradationPipelineName, _ yaml: String, scale: Int = 1) throws -> DegradationPipeline {
        try DegradationPipeline(name, settings: try ConfigurationValue.parse(yaml: yaml, source: "x.yml"), scale: scale, source: "x.yml")
    }

    func wild(_ yaml: String) throws -> WildPipeline {
        let made = try pipeline(.wild, yaml)
        guard case let .wild(pipeline) = made else {
            throw DegradationError.invalidParameter("the name wild made \(made.name.rawValue), not the wild pipeline")
        }
        return pipeline
    }

    func testYAMLOverridesDefaultsAndRefusesUnknownKeysAndBadValues() throws {
        let pipeline = try wild("noiseProbability: 0.9\nthirdBlur: { sincProbability: 0.25 }\nfirstJPEGQuality: [50, 70]\nnoise: { grayProbability: 0.1 }\n")
        XCTAssertEqual(pipeline.noise.grayProbability, 0.1)
        XCTAssertEqual(pipeline.noise.gaussianProbability, 0.6)
        guard case let .mild(mild) = try self.pipeline(.mild, "noise: { gaussianSigma: [2, 8] }") else { return XCTFail("not mild") }
        XCTAssertEqual(mild.noise.gaussianSigma, 2...8)
        XCTAssertEqual(pipeline.noiseProbability, 0.9)
        XCTAssertEqual(pipeline.thirdBlur.sincProbability, 0.25)
        XCTAssertEqual(pipeline.thirdBlur.maxRadius, 10)
        XCTAssertEqual(pipeline.firstJPEGQuality, 50...70)
        XCTAssertEqual(pipeline.jpegProbability, WildPipeline().jpegProbability)
        XCTAssertThrowsError(try wild("noiseProbabilty: 0.9")) {
            guard case let .unknownKey(source, key, known) = $0 as? ConfigurationError else { return XCTFail("\($0)") }
            XCTAssertEqual(source, "x.yml")
            XCTAssertEqual(key, "noiseProbabilty")
            XCTAssertTrue(known.contains("noiseProbability"), "\(known)")
        }
        XCTAssertThrowsError(try wild("noiseProbability: 1.5")) {
            XCTAssertTrue("\($0)".contains("noiseProbability must be a probability"), "\($0)")
        }
        XCTAssertThrowsError(try wild("firstJPEGQuality: [90, 50]"))
        XCTAssertThrowsError(try wild("{{{"))
    }

    func testRealESRGANScaleComesFromTheCallerUnlessTheSettingsGiveOne() throws {
        XCTAssertEqual(try pipeline(.realesrgan, "", scale: 4).scale, 4)
        XCTAssertEqual(try pipeline(.realesrgan, "scale: 2", scale: 4).scale, 2)
        XCTAssertThrowsError(try pipeline(.realesrgan, "scale: 3"))
    }

    func testPipelineNamesAreOneVocabulary() throws {
        for name in DegradationPipelineName.allCases { XCTAssertEqual(try pipeline(name, "").name, name) }
        XCTAssertThrowsError(try DegradationPipelineName(named: "wilde", source: "--pipeline")) { error in
            XCTAssertEqual("\(error)", "--pipeline: wilde is not one of: wild, realesrgan, mild")
        }
    }
}
