/// An error with a one-line message meant for the user, e.g.
/// `train-images-idx3-ubyte.gz: truncated: expected 47040016 bytes, found 1000`.
///
/// An error about a value the caller chose carries a `subject`, so that a caller that knows
/// where the value came from can say so without reading the message: the command line puts
/// the flag in front (`--lr: adam: lr must be > 0, got -1`, `--model: no layers`).
public struct DescentError: Error, CustomStringConvertible, Equatable {
    /// What the erroneous value is.
    public enum Subject: Equatable, Sendable {
        /// A model description (text, preset or sizes). The message reads `model: <detail>`.
        case model
        /// A hyper-parameter of an optimizer rule. The message names the rule itself
        /// (`adam: beta1 must be in [0, 1), got 1.5`).
        case hyperParameter(HyperParameter)
        /// The gradient-clipping norm of an optimizer configuration.
        case clipNorm
    }

    /// What the value is, when the error is about one the caller chose.
    public let subject: Subject?
    /// The message without the subject's name in front (for `.model`, what follows `model: `).
    public let detail: String

    /// The whole one-line message.
    public var message: String { subject == .model ? "model: " + detail : detail }

    public init(_ message: String) {
        self.subject = nil
        self.detail = message
    }

    /// An error about `subject`; `detail` is the message without the subject's name.
    public init(_ subject: Subject, _ detail: String) {
        self.subject = subject
        self.detail = detail
    }

    public var description: String { message }
}
