import Descent

/// The pictures of an autoencoder run (PNG; grey for one channel, colour for three), as the
/// seed article draws them with `tile_raster_images`: one tile per unit, each scaled to its
/// own range, 1-px spacing.
public enum AutoEncoderPictures {
    /// Tiles the rows of `filters` (units × pixels) as images of `channels × height × width`;
    /// the tiles are enlarged `scale` times. Throws when a row does not hold that many values.
    public static func filters(_ filters: Tensor, width: Int = 28, height: Int = 28, channels: Int = 1, scale: Int = 2) throws -> PixelImage {
        try weightTiles(filters.toArray(), rowCount: filters.rows, tileWidth: width, tileHeight: height, channels: channels,
                        spacing: 1, scale: scale)
    }

    /// A grid with one column per example and one row per stage: inputs, corrupted
    /// inputs (if any), reconstructions — pixel values in 0…1, not rescaled. Throws unless
    /// every stage has the same positive number of examples of `channels × height × width` values.
    public static func reconstructions(_ rows: [Tensor], width: Int = 28, height: Int = 28, channels: Int = 1,
                                       scale: Int = 2) throws -> PixelImage {
        let columns = rows.first?.rows ?? 0
        guard columns > 0, rows.allSatisfy({ $0.rows == columns }) else {
            throw DescentError("reconstructions: every stage needs the same positive number of examples, got \(rows.map(\.rows))")
        }
        var values: [Float] = []
        for r in rows { values += r.toArray() }
        return try imageGrid(values, rowCount: columns * rows.count, tileWidth: width, tileHeight: height, channels: channels,
                             layout: TileLayout(rows: rows.count, columns: columns), spacing: 1, scale: scale)
    }
}
