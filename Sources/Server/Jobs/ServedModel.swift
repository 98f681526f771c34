import Foundation
import Restoration

/// The one loaded model every worker restores with, and how it is shown to clients.
///
/// `@unchecked Sendable`: the network's weights are only read during inference, and each job makes its own
/// ``Restorer`` around them.
public final class ServedModel: @unchecked Sendable {
    public let model: RestorationModel
    public let conditioner: DACLIPConditioner?
    /// The name clients see (the model file's name).
    public let name: String
    /// Largest tile side the restorer uses.
    public let tileSize: Int

    public init(model: RestorationModel, conditioner: DACLIPConditioner? = nil, name: String, tileSize: Int = 512) {
        self.model = model
        self.conditioner = conditioner
        self.name = name
        self.tileSize = tileSize
    }

    /// A restorer for one job's options.
    func restorer(_ options: JobOptions) throws -> Restorer {
        var restoration = options.restorationOptions()
        restoration.tileSize = tileSize
        restoration.overlap = min(restoration.overlap, tileSize / 2 - 1)
        return try Restorer(model: model, options: restoration, conditioner: conditioner)
    }
}
