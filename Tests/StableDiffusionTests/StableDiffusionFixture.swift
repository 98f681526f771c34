import TestSupport

/// A file of `Tests/Fixtures/stable_diffusion` (written by `Tools/fixtures/stable_diffusion_vae.py`): arrays by name.
typealias StableDiffusionFixture = ArrayFixture<StableDiffusionArrays>

enum StableDiffusionArrays: ArrayFixtureSource {
    static let folder = "stable_diffusion"
    static let generator = "Tools/fixtures/stable_diffusion_vae.py"
}
