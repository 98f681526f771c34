import Foundation
import Hummingbird

/// A refused request: an HTTP status and a JSON body `{"error": {"code": …, "message": …}}`.
struct APIError: HTTPResponseError {
    let status: HTTPResponse.Status
    /// A stable, machine-readable reason (`queue_full`, `not_found`, …).
    let code: String
    let message: String
    /// Extra headers (`Retry-After`, `WWW-Authenticate`).
    var headers: HTTPFields = [:]

    init(_ status: HTTPResponse.Status, _ code: String, _ message: String, headers: HTTPFields = [:]) {
        self.status = status
        self.code = code
        self.message = message
        self.headers = headers
    }

    /// The JSON body.
    struct Body: Encodable {
        struct Detail: Encodable { let code: String; let message: String }
        let error: Detail
    }

    func response(from request: Request, context: some RequestContext) throws -> Response {
        try JSONResponse.make(Body(error: Body.Detail(code: code, message: message)), status: status, headers: headers)
    }

    static func notFound(_ what: String) -> APIError { APIError(.notFound, "not_found", what) }
    static func badRequest(_ why: String) -> APIError { APIError(.badRequest, "bad_request", why) }
}
