/// A message that names a caller's parameters (`asOf`, `maxBadRows`, ...). Library code words its errors
/// with parameter names; a caller that knows a parameter by another name (a command line's flag, such as
/// `--as-of`) prints ``description(naming:)`` with its own names instead.
public protocol ParameterNaming: CustomStringConvertible {
    /// The message, with each parameter called `name(parameter)`.
    func description(naming name: (String) -> String) -> String
}

extension ParameterNaming {
    /// The message with the library's parameter names.
    public var description: String { description(naming: { $0 }) }
}
