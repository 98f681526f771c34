import XCTest
final class CLIPTokenizerPlaceholderTests: XCTestCase { func testTargetBuilds() {} }
