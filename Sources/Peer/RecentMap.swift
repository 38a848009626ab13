/// A dictionary that keeps only the `capacity` keys added last: past it, each new key pushes
/// out the oldest. The flood router's query ids and the walkers' trails are kept so.
struct RecentMap<Key: Hashable & Sendable, Value: Sendable>: Sendable {
    let capacity: Int
    private var values: [Key: Value] = [:]
    /// The keys in the order they came, used as a ring once full; `oldest` is the next to go.
    private var order: [Key] = []
    private var oldest = 0

    init(capacity: Int) {
        precondition(capacity > 0)
        self.capacity = capacity
    }

    subscript(key: Key) -> Value? {
        get { values[key] }
        set {
            guard let newValue else { return }   // entries go only by age
            if values[key] == nil {
                if order.count < capacity {
                    order.append(key)
                } else {
                    values[order[oldest]] = nil
                    order[oldest] = key
                    oldest = (oldest + 1) % capacity
                }
            }
            values[key] = newValue
        }
    }
}
