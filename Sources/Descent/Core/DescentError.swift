/// An error with a one-line message meant for the user, e.g.
/// `train-images-idx3-ubyte.gz: truncated: expected 47040016 bytes, found 1000`.
public struct DescentError: Error, CustomStringConvertible, Equatable {
    public let message: String
    public init(_ message: String) { self.message = message }
    public var description: String { message }
}
