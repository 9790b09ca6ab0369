import Descent

/// The pictures of an autoencoder run (PNG, grayscale), as the seed article draws them
/// with `tile_raster_images`: one tile per unit, each scaled to its own range, 1-px spacing.
public enum AutoEncoderPictures {
    /// Tiles the rows of `filters` (units × pixels) as `side × side` images; the tiles are
    /// enlarged `scale` times.
    public static func filters(_ filters: Tensor, width: Int = 28, height: Int = 28, scale: Int = 2) -> PixelImage {
        weightTiles(filters.toArray(), rowCount: filters.rows, tileWidth: width, tileHeight: height, spacing: 1, scale: scale)
    }

    /// A grid with one column per example and one row per stage: inputs, corrupted
    /// inputs (if any), reconstructions — pixel values in 0…1, not rescaled.
    public static func reconstructions(_ rows: [Tensor], width: Int = 28, height: Int = 28, scale: Int = 2) -> PixelImage {
        let columns = rows[0].rows
        var values: [Float] = []
        for r in rows { precondition(r.rows == columns); values += r.toArray() }
        return imageGrid(values, rowCount: columns * rows.count, tileWidth: width, tileHeight: height,
                         layout: TileLayout(rows: rows.count, columns: columns), spacing: 1, scale: scale)
    }
}
