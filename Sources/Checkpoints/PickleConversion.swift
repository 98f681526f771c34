/// Turns the machine's items into ``PickleValue``s.
///
/// Structures nested deeper than `maximumDepth` and containers that contain themselves are refused. The walk keeps
/// its own stack instead of recursing, so that the deepest accepted structure needs no more than a few frames of
/// the thread's stack, and each shared container is converted once, so that a structure built from many
/// references to the same containers costs time linear in the pickle's size.
struct PickleConversion {
    let file: String
    let maximumDepth: Int
    private var converted: [ObjectIdentifier: (value: PickleValue, height: Int)] = [:]

    init(file: String, maximumDepth: Int) {
        self.file = file
        self.maximumDepth = maximumDepth
    }

    /// A container being converted: its children so far and the height of the tallest.
    private struct Frame {
        let container: PickleContainer
        /// Next child: for a dictionary, keys and values alternate.
        var next = 0
        var children: [PickleValue] = []
        var height = 1

        init(_ container: PickleContainer) { self.container = container }

        var childCount: Int { container.kind == .dict ? 2 * container.elements.count : container.elements.count }

        func child(_ i: Int) -> PickleItem {
            guard container.kind == .dict else { return container.elements[i] }
            return i % 2 == 0 ? container.elements[i / 2] : container.values[i / 2]
        }

        var value: PickleValue {
            switch container.kind {
            case .list: return .list(children)
            case .tuple: return .tuple(children)
            case .dict: return .dict(stride(from: 0, to: children.count, by: 2).map { .init(key: children[$0], value: children[$0 + 1]) })
            }
        }
    }

    /// The value of `item`.
    mutating func value(of item: PickleItem) throws -> PickleValue {
        if let value = try leaf(item) { return value }
        guard case let .container(root) = item else { return .none }
        var frames = [Frame(root)]
        var open: Set<ObjectIdentifier> = [ObjectIdentifier(root)]
        // Frames are used in place (frames[last]), never copied out, so that appending a child never copies the
        // children gathered so far.
        while let last = frames.indices.last {
            if frames[last].next < frames[last].childCount {
                let item = frames[last].child(frames[last].next)
                frames[last].next += 1
                if let value = try leaf(item) {
                    frames[last].children.append(value)
                    continue
                }
                guard case let .container(c) = item else { continue }
                // `c` sits frames.count containers deep.
                if let done = converted[ObjectIdentifier(c)] {
                    guard frames.count + done.height <= maximumDepth else { throw tooDeep() }
                    frames[last].children.append(done.value)
                    frames[last].height = max(frames[last].height, done.height + 1)
                    continue
                }
                guard frames.count < maximumDepth else { throw tooDeep() }
                guard open.insert(ObjectIdentifier(c)).inserted else {
                    throw CheckpointError.malformed(file: file, detail: "a \(c.kind.rawValue) in the pickle contains itself")
                }
                frames.append(Frame(c))
            } else {
                let done = frames.removeLast()
                let value = done.value
                converted[ObjectIdentifier(done.container)] = (value, done.height)
                open.remove(ObjectIdentifier(done.container))
                guard let parent = frames.indices.last else { return value }
                frames[parent].children.append(value)
                frames[parent].height = max(frames[parent].height, done.height + 1)
            }
        }
        return .none  // not reached: the root frame returns its value when it closes
    }

    /// The value of anything but a container (nil for a container).
    private func leaf(_ item: PickleItem) throws -> PickleValue? {
        switch item {
        case .none: return PickleValue.none
        case let .bool(b): return .bool(b)
        case let .int(i): return .int(i)
        case let .bigInteger(b): return .bigInteger(b)
        case let .float(f): return .float(f)
        case let .string(s): return .string(s)
        case let .bytes(b): return .bytes(b)
        case let .tensor(t): return .tensor(t)
        case let .global(g):
            throw CheckpointError.unsupported(file: file, detail: "the checkpoint holds the object \(g.qualifiedName) itself, not data")
        case let .storage(s):
            throw CheckpointError.unsupported(file: file, detail: "the checkpoint holds a bare storage ('\(s.key)'), not a tensor")
        case .container: return nil
        }
    }

    private func tooDeep() -> CheckpointError {
        .malformed(file: file, detail: "the pickle nests containers more than \(maximumDepth) deep")
    }
}
