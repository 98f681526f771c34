import DACLIP
import Foundation
import Imaging
import Restoration

/// The one loaded model every worker restores with, the DA-CLIP degradation analysis of the uploads (if any), and
/// how they are shown to clients.
///
/// `@unchecked Sendable`: the networks' weights are only read during inference; each job makes its own ``Restorer``
/// and its own ``DACLIPConditioner`` (whose per-image cache is not shared) around them, and the analysis runs one
/// image at a time behind a lock.
public final class ServedModel: @unchecked Sendable {
    public let model: RestorationModel
    public let conditioner: DACLIPConditioner?
    /// DA-CLIP's zero-shot degradation analysis of every upload (`wildir serve --daclip`); nil: none.
    public let analysis: DegradationAnalysis?
    /// The name clients see (the model file's name).
    public let name: String
    /// Largest tile side the restorer uses.
    public let tileSize: Int
    private let analysisLock = NSLock()

    /// - Parameters:
    ///   - model: the restoration model every worker samples with.
    ///   - conditioner: the DA-CLIP a network conditioned on DA-CLIP restores with (each job gets its own cache).
    ///   - analysis: DA-CLIP's zero-shot degradation analysis of every upload; nil: jobs carry no degradation scores.
    ///   - name: the name clients see.
    ///   - tileSize: the largest tile side the restorer uses.
    public init(model: RestorationModel, conditioner: DACLIPConditioner? = nil, analysis: DegradationAnalysis? = nil,
                name: String, tileSize: Int = 512) {
        self.model = model
        self.conditioner = conditioner
        self.analysis = analysis
        self.name = name
        self.tileSize = tileSize
    }

    /// A restorer for one job's options.
    func restorer(_ options: JobOptions) throws -> Restorer {
        var restoration = options.restorationOptions()
        restoration.tileSize = tileSize
        restoration.overlap = min(restoration.overlap, tileSize / 2 - 1)
        let jobConditioner = conditioner.map { DACLIPConditioner(model: $0.model, preprocessing: $0.preprocessing) }
        return try Restorer(model: model, options: restoration, conditioner: jobConditioner)
    }

    /// The degradation scores of `image` in the order of the analysis' labels; nil without an analysis.
    /// - Throws: ``DACLIPError`` when the image cannot be analysed.
    func degradations(of image: Image) throws -> [JobDegradationScore]? {
        guard let analysis else { return nil }
        let scores = try analysisLock.withLock { try analysis.analyse(image) }
        return scores.map(JobDegradationScore.init)
    }
}
