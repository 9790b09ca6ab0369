import Descent
import DescentReport

extension TensorBoardLog {
    /// An autoencoder's pictures after an epoch, at step = the epoch: `filters/encoder` and
    /// `filters/decoder` (the first and last layers' filters, as the run folder's encoder.png
    /// and decoder.png, when the network's ends have them) and `reconstructions` (the first
    /// ten test images: clean, masked, reconstruction of the masked and of the clean ones, as
    /// reconstructions.png without the PCA row).
    func autoencoderPictures(_ trainer: Trainer, test: ImageSet, ae: AutoEncoderOptions, seed: UInt64, step: Int) throws {
        guard !ae.noPictures else { return }
        let network = trainer.network
        var images: [(String, PixelImage)] = []
        if let filters = try AERun.filterPictures(network, width: test.width, height: test.height, channels: test.channels) {
            images += [("filters/encoder", filters.encoder), ("filters/decoder", filters.decoder)]
        }
        images.append(("reconstructions", try AERun.reconstructionGrid(test: test, corruption: ae.corruption, inverted: ae.invertedMasking,
                                                                         seed: seed, pca: nil) { trainer.loss.prediction(network($0)) }))
        for (tag, image) in images {
            try writer.image(tag, png: try PNG.encode(image), width: image.width, height: image.height, channels: image.channels, step: step)
        }
        try writer.sync()
    }
}
