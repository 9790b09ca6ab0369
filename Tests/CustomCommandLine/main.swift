import Descent
import DescentCommandLine

// A program of a user's: the whole `descent` command line, with a layer (`scale`), an
// optimizer (`signum`, with its flag `--smoothing`), a loss (`hinge`) and a dataset format
// (`pixel-text`) registered from outside Descent, exactly as Descent registers its own. Tests/DescentAPITests/CustomCommandLineTests
// drives it.
func registry() throws -> Registry {
    var registry = Registry.builtIn
    try registry.register(Scale.kind)
    try registry.register(Signum.rule)
    try registry.register(MultiMargin.kind)
    try registry.register(PixelText.format)
    return registry
}

do {
    DescentCommand.main(registry: try registry())
} catch {
    fatalError("\(error)")
}
