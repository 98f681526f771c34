import TestSupport
import XCTest

/// Every op of the fixture has its expected number of cases and a test (a new op in the generator must be claimed).
final class OperationCatalogueTests: XCTestCase {
    func testEveryOpOfTheFixtureIsExpectedWithItsCaseCount() throws {
        let fixture = try OperationCases.fixture()
        var counts: [String: Int] = [:]
        for name in fixture.cases { counts[fixture.parameters(name).string("op"), default: 0] += 1 }
        XCTAssertEqual(counts, OperationCases.expectedCases)
    }
}
