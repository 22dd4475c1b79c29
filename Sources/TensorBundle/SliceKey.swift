/// The key of one slice of a partitioned tensor (docs/tf-containers.md §1.5): byte 0, then TensorFlow's
/// OrderedCode string (name), uint (rank) and, per dimension, signed (start) and signed (length).
public struct SliceKey: Equatable, Sendable {
    public var name: String
    /// (start, length) per dimension; length −1 = the whole dimension.
    public var extents: [SliceExtent]

    public init(name: String, extents: [SliceExtent]) {
        self.name = name
        self.extents = extents
    }

    /// Nil when `key` is not a well-formed slice key.
    public init?(_ key: [UInt8]) {
        guard key.first == 0 else { return nil }
        var pos = 1
        var name: [UInt8] = []
        scan: while true {
            guard pos < key.count else { return nil }
            let c = key[pos]
            if c == 0x00 || c == 0xFF {
                guard pos + 1 < key.count else { return nil }
                let next = key[pos + 1]
                pos += 2
                switch (c, next) {
                case (0x00, 0x01): break scan
                case (0x00, 0xFF): name.append(0)
                case (0xFF, 0x00): name.append(0xFF)
                default: return nil
                }
                continue
            }
            name.append(c)
            pos += 1
        }
        guard pos < key.count else { return nil }
        let n = Int(key[pos])
        pos += 1
        guard n <= 8, pos + n <= key.count else { return nil }
        var rank = 0
        for b in key[pos..<(pos + n)] { rank = rank << 8 | Int(b) }
        pos += n
        guard rank <= 64 else { return nil }
        var extents: [SliceExtent] = []
        for _ in 0..<rank {
            guard let s = Self.signed(key, &pos), let l = Self.signed(key, &pos) else { return nil }
            extents.append(SliceExtent(start: s, length: l))
        }
        guard pos == key.count else { return nil }
        self.name = String(decoding: name, as: UTF8.self)
        self.extents = extents
    }

    /// OrderedCode's signed number: sign bit, length in further bits equal to it, a delimiter bit, the value.
    static func signed(_ key: [UInt8], _ pos: inout Int) -> Int64? {
        guard pos < key.count else { return nil }
        let b0 = key[pos]
        let negative = b0 & 0x80 == 0
        let x = negative ? ~b0 : b0
        var n = 1
        while n < 8 && x & (0x80 >> UInt8(n)) != 0 { n += 1 }
        guard n < 8, pos + n <= key.count else { return nil }
        let bits = 8 * n - n - 1
        var v: UInt64 = 0
        for b in key[pos..<(pos + n)] { v = v << 8 | UInt64(b) }
        v &= (UInt64(1) << UInt64(bits)) - 1
        pos += n
        return negative ? Int64(v) - (Int64(1) << Int64(bits)) : Int64(v)
    }
}

public struct SliceExtent: Equatable, Hashable, Sendable {
    public var start: Int64
    public var length: Int64

    public init(start: Int64, length: Int64) {
        self.start = start
        self.length = length
    }
}
