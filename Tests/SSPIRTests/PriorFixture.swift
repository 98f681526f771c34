import TestSupport

/// A file of `Tests/Fixtures/sspir_priors` (written by `Tools/fixtures/sspir_priors.py`): arrays by name.
typealias PriorFixture = ArrayFixture<PriorArrays>

enum PriorArrays: ArrayFixtureSource {
    static let folder = "sspir_priors"
    static let generator = "Tools/fixtures/sspir_priors.py"
}
