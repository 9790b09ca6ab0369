import Descent
import DescentCommandLine
import Swish

// The whole `descent` command line, with `swish` added to the layers: it is accepted by
// --model, listed by --help, saved in checkpoints and read back by evaluate and --resume.
var registry = Registry.builtIn
do {
    try registry.register(Swish.kind)
} catch {
    fatalError("\(error)")
}
DescentCommand.main(registry: registry)
