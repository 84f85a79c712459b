import FluentKit

extension Model {
    /// Sets a field only when the value differs. Fluent writes every field that was assigned, even to the
    /// value it already had, so assigning unchanged values would rewrite unchanged rows on every sync.
    public func assign<Value: Equatable>(_ keyPath: ReferenceWritableKeyPath<Self, Value>, _ value: Value) {
        if self[keyPath: keyPath] != value { self[keyPath: keyPath] = value }
    }
}
