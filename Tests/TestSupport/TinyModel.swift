import Models
import Restoration
import SDE

extension ConditionalUNetConfiguration {
    /// A 2-level network of width 8 without context, for tests of everything but restoration quality.
    public static var tiny: ConditionalUNetConfiguration {
        var configuration = ConditionalUNetConfiguration()
        configuration.baseChannels = 8
        configuration.channelMultipliers = [1, 2]
        configuration.contextDim = nil
        configuration.useDegradationContext = false
        return configuration
    }
}

extension RestorationModel {
    /// A random ``ConditionalUNetConfiguration/tiny`` network, for tests of everything but restoration quality.
    public static func tiny(steps: Int) -> RestorationModel {
        var options = SDEOptions()
        options.steps = steps
        return RestorationModel(network: ConditionalUNet(.tiny, seed: 3), sdeOptions: options)
    }
}
