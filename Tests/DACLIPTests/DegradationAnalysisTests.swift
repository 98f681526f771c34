import CLIPTokenizer
@testable import DACLIP
import Foundation
import Imaging
import TestSupport
import WildTensor
import XCTest

/// Zero-shot degradation analysis against the official code (`Tools/fixtures/daclip_inference.py`): a tiny random
/// DA-CLIP with CLIP's vocabulary, the real photos preprocessed by the official transforms, the README's
/// similarity and softmax(100 · similarity).
final class DegradationAnalysisTests: XCTestCase {
    func photos(_ fixture: InferenceFixture) throws -> [String] { try XCTUnwrap(fixture.metadata("photos") as? [String]) }

    func testLabelsAreTokenizedAndEncodedAsTheOfficialCode() throws {
        let fixture = try InferenceFixture.analysis()
        let model = try InferenceFixture.tinyModel()
        let tokenizer = try InferenceFixture.tokenizer()
        XCTAssertEqual(try XCTUnwrap(fixture.metadata("labels") as? [String]), DegradationAnalysis.universalLabels)
        let tokens = tokenizer.tokenize(DegradationAnalysis.universalLabels)
        XCTAssertEqual(tokens.flatMap { $0 }.map(Double.init), try fixture.values("labels/tokens"))
        let text = try model.encodeText(tokens)
        let error = relativeError(text.values, try fixture.values("labels/text_features"))
        XCTAssertLessThanOrEqual(error, 1e-5)
        print("DA-CLIP analysis: label text features, relative error \(error)")
    }

    func testZeroShotScoresOfRealPhotosMatchTheOfficialREADMEComputation() throws {
        let fixture = try InferenceFixture.analysis()
        let model = try InferenceFixture.tinyModel()
        let tokenizer = try InferenceFixture.tokenizer()
        var worst = (features: 0.0, similarity: 0.0, probability: 0.0)
        // "readme" is the README's `preprocess`, which is test.py's crop: both must match the crop path.
        for (mode, resizing) in [("crop", CLIPPreprocessing.Resizing.shorterSideAndCentreCrop), ("readme", .shorterSideAndCentreCrop),
                                 ("squash", .squash)] {
            let analysis = try DegradationAnalysis(model: model, tokenizer: tokenizer,
                                                   preprocessing: CLIPPreprocessing(for: model, resizing: resizing))
            for photo in try photos(fixture) {
                let image = try Image(contentsOf: Fixtures.path("images", "\(photo).png"))
                let key = "\(photo)/\(mode)"
                let (content, degradation) = try model.encodeImage(try analysis.preprocessing.tensor([image]), control: true)
                let features = max(relativeError(content.values, try fixture.values("\(key)/content")),
                                   relativeError(try XCTUnwrap(degradation).values, try fixture.values("\(key)/degradation")))
                let scores = try analysis.analyse(image)
                XCTAssertEqual(scores.map(\.label), DegradationAnalysis.universalLabels)
                let similarity = maximumDifference(scores.map(\.similarity), try fixture.values("\(key)/similarity"))
                let probability = maximumDifference(scores.map(\.probability), try fixture.values("\(key)/probability"))
                XCTAssertLessThanOrEqual(features, 1e-4, key)
                XCTAssertLessThanOrEqual(similarity, 1e-4, key)
                XCTAssertLessThanOrEqual(probability, 1e-4, key)
                XCTAssertEqual(scores.map(\.probability).reduce(0, +), 1, accuracy: 1e-12)
                worst = (max(worst.features, features), max(worst.similarity, similarity), max(worst.probability, probability))
            }
        }
        print("DA-CLIP analysis of 6 photos × 3 preprocessings: features relative error \(worst.features), "
              + "similarity \(worst.similarity), probability \(worst.probability) (absolute)")
    }

    func testScoresFollowTheGivenLabelsAndRankByProbability() throws {
        let model = try InferenceFixture.tinyModel()
        let labels = ["snowy", "a photo with heavy rain", "hazy"]
        let analysis = try DegradationAnalysis(model: model, tokenizer: try InferenceFixture.tokenizer(), labels: labels)
        let scores = try analysis.analyse(try Image(contentsOf: Fixtures.path("images", "chelsea.png")))
        XCTAssertEqual(scores.map(\.label), labels)
        XCTAssertEqual(scores.map(\.probability).reduce(0, +), 1, accuracy: 1e-12)
        let ranked = scores.ranked
        XCTAssertEqual(Set(ranked.map(\.label)), Set(labels))
        XCTAssertTrue(zip(ranked, ranked.dropFirst()).allSatisfy { $0.probability >= $1.probability })
        // softmax(100 · s): the ratio of two probabilities is e^{100 (s_a − s_b)}.
        XCTAssertEqual(log(scores[0].probability / scores[2].probability), 100 * (scores[0].similarity - scores[2].similarity),
                       accuracy: 1e-9)
    }

    func testLabelsThatCannotBeEncodedAreRefused() throws {
        let tokenizer = try InferenceFixture.tokenizer()
        let model = try InferenceFixture.tinyModel()
        XCTAssertThrowsError(try DegradationAnalysis(model: model, tokenizer: tokenizer, labels: []))
        XCTAssertThrowsError(try DegradationAnalysis(model: model, tokenizer: tokenizer, labels: ["hazy", " "]))
        // The parity model of TinyParityTests has a 300-token vocabulary: CLIP's ids do not fit it.
        let fixture = try DACLIPFixture.tiny()
        let small = try DACLIPModel(tensors: fixture.weights, file: fixture.path, configuration: try fixture.configuration)
        XCTAssertThrowsError(try DegradationAnalysis(model: small, tokenizer: tokenizer)) { error in
            XCTAssertTrue("\(error)".contains("300"), "\(error)")
        }
    }

    func testConfigurationsAreNamedAsTheOfficialModelConfigs() throws {
        XCTAssertEqual(try CLIPConfiguration(nameOrJSON: "daclip_ViT-L-14"), .daclipViTL14)
        XCTAssertEqual(try CLIPConfiguration(nameOrJSON: "daclip_ViT-B-32"), .daclipViTB32)
        let json = try String(contentsOfFile: InferenceFixture.path("daclip_tiny224.json"), encoding: .utf8)
        let fromFile = try CLIPConfiguration(nameOrJSON: InferenceFixture.path("daclip_tiny224.json"))
        XCTAssertEqual(try CLIPConfiguration(nameOrJSON: json), fromFile)
        XCTAssertEqual(fromFile.vision.imageSize, 224)
        XCTAssertEqual(fromFile.text.vocabSize, 49408)
        XCTAssertThrowsError(try CLIPConfiguration(nameOrJSON: "ViT-H-14")) { error in
            XCTAssertTrue("\(error)".contains("daclip_ViT-L-14"), "\(error)")
        }
    }
}
