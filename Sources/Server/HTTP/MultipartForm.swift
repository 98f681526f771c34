import Foundation

/// A `multipart/form-data` body (RFC 7578) split into its parts: text fields and at most one file.
struct MultipartForm {
    struct Part {
        var name: String
        var fileName: String?
        var body: Data
    }

    var parts: [Part] = []

    /// The boundary of a `multipart/form-data` content type, or nil for any other type.
    static func boundary(contentType: String) -> String? {
        let pieces = contentType.split(separator: ";").map { $0.trimmingCharacters(in: .whitespaces) }
        guard let kind = pieces.first, kind.lowercased() == "multipart/form-data" else { return nil }
        for piece in pieces.dropFirst() {
            let pair = piece.split(separator: "=", maxSplits: 1).map(String.init)
            if pair.count == 2, pair[0].lowercased() == "boundary" {
                let value = pair[1].trimmingCharacters(in: CharacterSet(charactersIn: "\""))
                return (1...70).contains(value.count) ? value : nil
            }
        }
        return nil
    }

    /// Splits `body` at `boundary`.
    /// - Throws: ``APIError`` (400) for a body that is not well-formed multipart.
    init(body: Data, boundary: String, maxParts: Int = 16) throws {
        let malformed = APIError.badRequest("the body is not well-formed multipart/form-data")
        let delimiter = Data("--\(boundary)".utf8)
        let separator = Data("\r\n--\(boundary)".utf8)
        let headerEnd = Data("\r\n\r\n".utf8)
        guard let first = body.range(of: delimiter) else { throw malformed }
        var cursor = first.upperBound
        while true {
            // After a delimiter: "--" ends the body, CRLF starts a part.
            guard cursor + 2 <= body.endIndex else { throw malformed }
            let marker = body[cursor..<cursor + 2]
            if marker.elementsEqual("--".utf8) { return }
            guard marker.elementsEqual("\r\n".utf8) else { throw malformed }
            cursor += 2
            guard let headersEnd = body.range(of: headerEnd, in: cursor..<body.endIndex),
                  let next = body.range(of: separator, in: headersEnd.upperBound..<body.endIndex) else { throw malformed }
            guard parts.count < maxParts else { throw APIError.badRequest("more than \(maxParts) form fields") }
            let headers = String(decoding: body[cursor..<headersEnd.lowerBound], as: UTF8.self)
            guard let disposition = Self.disposition(headers) else { throw malformed }
            parts.append(Part(name: disposition.name, fileName: disposition.fileName,
                              body: body.subdata(in: headersEnd.upperBound..<next.lowerBound)))
            cursor = next.upperBound
        }
    }

    /// The `name` and `filename` of a part's `Content-Disposition: form-data` header.
    private static func disposition(_ headers: String) -> (name: String, fileName: String?)? {
        for line in headers.components(separatedBy: "\r\n") {
            let pair = line.split(separator: ":", maxSplits: 1).map(String.init)
            guard pair.count == 2, pair[0].lowercased() == "content-disposition" else { continue }
            var parameters: [String: String] = [:]
            for piece in pair[1].split(separator: ";").dropFirst() {
                let kv = piece.split(separator: "=", maxSplits: 1).map { $0.trimmingCharacters(in: .whitespaces) }
                if kv.count == 2 { parameters[kv[0].lowercased()] = kv[1].trimmingCharacters(in: CharacterSet(charactersIn: "\"")) }
            }
            guard let name = parameters["name"] else { return nil }
            return (name, parameters["filename"])
        }
        return nil
    }
}
