import Descent

/// Tiling of matrices whose rows are images into one picture, as deeplearning.net's
/// `tile_raster_images` does: e.g. the 100 × 784 weights of a 784-100 autoencoder become a
/// 10 × 10 grid of 28 × 28 filters. A row of several channels (C×H×W, plane after plane)
/// is drawn by the rule of `PixelImage(planes:)`: 3 channels in colour (red, green, blue).
///
/// Tiles are laid out row by row, separated by `spacing` black pixels. Each tile can
/// be enlarged by an integer `scale` (nearest neighbour) so that small filters stay
/// visible. Grid cells without an image stay black (or `spacingValue`).
public struct TileLayout: Equatable, Sendable {
    /// Number of grid rows and columns.
    public var rows: Int
    public var columns: Int

    /// Throws unless both are positive.
    public init(rows: Int, columns: Int) throws {
        guard rows > 0, columns > 0 else { throw DescentError("tiles: the grid must have positive sizes, got \(rows)×\(columns)") }
        self.init(valid: rows, columns)
    }

    private init(valid rows: Int, _ columns: Int) {
        self.rows = rows
        self.columns = columns
    }

    /// A near-square grid for `count` tiles: `ceil(sqrt(count))` columns and as many
    /// rows as needed (100 → 10 × 10, 50 → 7 × 8, 25 → 5 × 5).
    public static func automatic(count: Int) -> TileLayout {
        let n = Swift.max(count, 1)
        var columns = Int(Double(n).squareRoot().rounded(.up))
        while (columns - 1) * (columns - 1) >= n { columns -= 1 }  // guard against rounding
        let rows = (n + columns - 1) / columns
        return TileLayout(valid: rows, columns)
    }
}

/// Throws when the values are not `rowCount` rows of `channels × tileWidth × tileHeight`, when the
/// grid is too small for them, or for a scale below 1 or a negative spacing.
///
/// Tiles the rows of a `rowCount × (channels·tileWidth·tileHeight)` row-major matrix as
/// images (grey for one channel, colour for three), each scaled to its **own** min…max
/// range, over all its channels, mapped to 0…255 (a constant row becomes mid-gray 128).
/// Non-finite values are treated as the row's minimum.
///
/// - Parameters:
///   - values: the matrix, row-major; each row is one image, row-major `tileHeight × tileWidth`.
///   - rowCount: number of images (rows).
///   - tileWidth: width of each image in pixels (28 for MNIST-family weights).
///   - tileHeight: height of each image in pixels.
///   - channels: planes per image (1 grey, 3 red-green-blue).
///   - layout: the grid; `nil` picks a near-square one.
///   - spacing: black pixels between tiles (not scaled).
///   - scale: integer nearest-neighbour enlargement of each tile.
///   - spacingValue: gray level of the spacing and of empty grid cells (0 = black, as
///     `tile_raster_images`; e.g. 255 separates dark tiles better).
public func weightTiles(_ values: [Float], rowCount: Int, tileWidth: Int, tileHeight: Int, channels: Int = 1,
                        layout: TileLayout? = nil, spacing: Int = 1, scale: Int = 1,
                        spacingValue: UInt8 = 0) throws -> PixelImage {
    try tile(values, rowCount: rowCount, tileWidth: tileWidth, tileHeight: tileHeight, channels: channels,
             layout: layout, spacing: spacing, scale: scale, spacingValue: spacingValue) { row in
        let finite = row.filter(\.isFinite)
        guard let lo = finite.min(), let hi = finite.max(), lo < hi else {  // constant, empty or all non-finite
            return [UInt8](repeating: 128, count: row.count)
        }
        let k = 255 / (hi - lo)
        return row.map { $0.isFinite ? UInt8((($0 - lo) * k).rounded().clamped(0, 255)) : 0 }
    }
}

/// Tiles rows of images whose values are already intensities in 0…1 (inputs,
/// corrupted inputs, reconstructions) **without** per-tile rescaling, so that rows
/// stay comparable: 0 → black, 1 → white, values outside are clamped, NaN → black.
/// Throws for the values, grids, scales and spacings `weightTiles` rejects.
public func imageGrid(_ values: [Float], rowCount: Int, tileWidth: Int, tileHeight: Int, channels: Int = 1,
                      layout: TileLayout? = nil, spacing: Int = 1, scale: Int = 1,
                      spacingValue: UInt8 = 0) throws -> PixelImage {
    try tile(values, rowCount: rowCount, tileWidth: tileWidth, tileHeight: tileHeight, channels: channels,
             layout: layout, spacing: spacing, scale: scale, spacingValue: spacingValue) { row in
        row.map { $0.isNaN ? 0 : UInt8(($0 * 255).rounded().clamped(0, 255)) }
    }
}

/// Quantises each row of `values` (all its channels) to levels with `quantise` and places
/// the rows as tiles into the grid, in colour by the rule of `PixelImage(planes:)`.
func tile(_ values: [Float], rowCount: Int, tileWidth: Int, tileHeight: Int, channels: Int,
          layout: TileLayout?, spacing: Int, scale: Int, spacingValue: UInt8,
          quantise: (ArraySlice<Float>) -> [UInt8]) throws -> PixelImage {
    guard tileWidth > 0, tileHeight > 0, rowCount >= 0 else {
        throw DescentError("tiles: need positive tile sizes and a row count ≥ 0, got \(rowCount) tiles of \(tileWidth)×\(tileHeight)")
    }
    guard channels >= 1 else { throw DescentError("tiles: need at least one channel, got \(channels)") }
    let plane = tileWidth * tileHeight
    let (size, o1) = plane.multipliedReportingOverflow(by: channels)
    let (total, overflow) = rowCount.multipliedReportingOverflow(by: size)
    guard !o1, !overflow, values.count == total else {
        let shape = (channels == 1 ? "" : "\(channels)×") + "\(tileWidth)×\(tileHeight)"
        throw DescentError("tiles: \(values.count) values are not \(rowCount) rows of \(shape)")
    }
    let c = PixelImage.pictureChannels(channels)
    guard scale >= 1, spacing >= 0 else { throw DescentError("tiles: the scale must be ≥ 1 and the spacing ≥ 0, got \(scale) and \(spacing)") }
    let bytes = (0..<rowCount).flatMap { quantise(values[($0 * size)..<(($0 + 1) * size)]) }
    let grid = layout ?? TileLayout.automatic(count: rowCount)
    guard grid.rows * grid.columns >= rowCount else {
        throw DescentError("tiles: a \(grid.rows)×\(grid.columns) grid cannot hold \(rowCount) tiles")
    }
    let width = grid.columns * tileWidth * scale + (grid.columns - 1) * spacing
    let height = grid.rows * tileHeight * scale + (grid.rows - 1) * spacing
    var image = try PixelImage(width: width, height: height, channels: c,
                               fill: [UInt8](repeating: spacingValue, count: c == 2 || c == 4 ? c - 1 : c) + (c == 2 || c == 4 ? [255] : []))
    image.pixels.withUnsafeMutableBufferPointer { out in
        for t in 0..<rowCount {
            let x0 = (t % grid.columns) * (tileWidth * scale + spacing)
            let y0 = (t / grid.columns) * (tileHeight * scale + spacing)
            for y in 0..<(tileHeight * scale) {
                let srcRow = t * size + (y / scale) * tileWidth
                let dstRow = (y0 + y) * width + x0
                for x in 0..<(tileWidth * scale) {
                    for k in 0..<c { out[(dstRow + x) * c + k] = bytes[srcRow + k * plane + x / scale] }
                }
            }
        }
    }
    return image
}

extension Float {
    func clamped(_ lo: Float, _ hi: Float) -> Float { Swift.min(Swift.max(self, lo), hi) }
}
