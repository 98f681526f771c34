import XCTest
final class DACLIPPlaceholderTests: XCTestCase { func testTargetBuilds() {} }
