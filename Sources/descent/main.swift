import Descent
import DescentCommandLine

// The `descent` tool: the command line of DescentCommandLine with Descent's own layers,
// optimizers and losses. A program of a user's runs the same with its registry.
DescentCommand.main(registry: .builtIn)
