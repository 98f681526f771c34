import WildTensor

/// The targets of a contrastive loss over a batch whose texts may repeat.
///
/// OpenCLIP's `ClipLoss` asks image i to pick text i among the batch's texts (targets `arange(B)`). When texts repeat
/// — the wild DA-CLIP has 2^4 degradation texts, so a batch of 64 holds many equal ones, and crops of one photo
/// share its caption — equal texts give identical columns, and the official target asks the image to prefer one
/// copy of its text over another identical copy, while the text→image direction pushes an image away from its own
/// (equal) text. WildIR spreads the target evenly over the copies instead:
///
///     Y_ij = [t_i = t_j] / m_i,   m_i = #{j : t_j = t_i}
///
/// in both directions (Y is symmetric, since m_i = m_j whenever t_i = t_j). With distinct texts Y is the identity
/// and the loss is exactly the official one; with copies each image-side loss exceeds its official minimum by
/// log m_i (a constant: the gradient is that of one class holding the probability of all its copies).
public struct ContrastiveTargets: Equatable, Sendable {
    /// Group of each row: the index of the first row with the same text.
    public let groups: [Int]

    /// Groups of `texts` (equal strings share a group).
    public init(texts: [String]) {
        var first: [String: Int] = [:]
        groups = texts.enumerated().map { index, text in
            if let seen = first[text] { return seen }
            first[text] = index
            return index
        }
    }

    /// Targets from group ids (rows with equal ids hold equal texts).
    public init(groups: [Int]) { self.groups = groups }

    /// Whether every text is distinct (the official targets).
    public var isIdentity: Bool { Set(groups).count == groups.count }

    /// Y `[B, B]`, each row summing to 1.
    public var matrix: Tensor {
        let b = groups.count
        var values = [Float](repeating: 0, count: b * b)
        for i in 0..<b {
            let peers = groups.indices.filter { groups[$0] == groups[i] }
            for j in peers { values[i * b + j] = 1 / Float(peers.count) }
        }
        return Tensor(shape: [b, b], values: values)
    }
}
