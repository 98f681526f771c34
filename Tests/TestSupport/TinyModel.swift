import Models
import Restoration
import SDE

extension RestorationModel {
    /// A random 2-level network of width 8 without context, for tests of everything but restoration quality.
    public static func tiny(steps: Int) -> RestorationModel {
        var configuration = ConditionalUNetConfiguration()
        configuration.baseChannels = 8
        configuration.channelMultipliers = [1, 2]
        configuration.contextDim = nil
        configuration.useDegradationContext = false
        var options = SDEOptions()
        options.steps = steps
        return RestorationModel(network: ConditionalUNet(configuration, seed: 3), sdeOptions: options)
    }
}
