import Foundation
import Tensor

/// Grids of image tiles with optional captions, for figures such as "input + one
/// projection per layer" or a layer's feature maps.
public enum Montage {
    /// One cell of a montage.
    public struct Tile: Sendable {
        public var image: Image
        public var caption: String?

        public init(_ image: Image, caption: String? = nil) {
            self.image = image
            self.caption = caption
        }
    }

    /// Lays `tiles` out row by row in `columns` columns. Each cell is `tileSize` (default:
    /// the largest tile, widened to the longest caption); tiles are scaled to it by nearest
    /// neighbour when `tileSize` is given, else centred. Captions sit under their tile,
    /// trimmed to the cell width.
    public static func grid(_ tiles: [Tile], columns: Int, tileSize: (width: Int, height: Int)? = nil,
                            padding: Int = 4, background: Color = .white,
                            captionColor: Color = .black, captionScale: Int = 1) -> Image {
        precondition(columns > 0, "montage: columns must be positive")
        guard !tiles.isEmpty else { return Image(width: 1, height: 1, channels: 3, fill: 255) }
        let hasCaptions = tiles.contains { !($0.caption ?? "").isEmpty }
        let widestCaption = tiles.map { BitmapFont.size(of: $0.caption ?? "", scale: captionScale).width }.max()!
        let cellWidth = tileSize?.width ?? max(tiles.map(\.image.width).max()!, widestCaption)
        let cellHeight = tileSize?.height ?? tiles.map(\.image.height).max()!
        let captionHeight = hasCaptions ? (BitmapFont.glyphHeight + 3) * captionScale : 0
        let rows = (tiles.count + columns - 1) / columns
        let usedColumns = min(columns, tiles.count)
        let width = usedColumns * cellWidth + (usedColumns + 1) * padding
        let height = rows * (cellHeight + captionHeight) + (rows + 1) * padding
        var canvas = Canvas(width: width, height: height, background: background)
        let maxChars = max(1, (cellWidth / captionScale + 1) / BitmapFont.advance)
        for (i, tile) in tiles.enumerated() {
            let x = padding + (i % columns) * (cellWidth + padding)
            let y = padding + (i / columns) * (cellHeight + captionHeight + padding)
            if tileSize != nil {
                canvas.paste(tile.image, x: x, y: y, width: cellWidth, height: cellHeight)
            } else {
                canvas.paste(tile.image, x: x + (cellWidth - tile.image.width) / 2, y: y + (cellHeight - tile.image.height) / 2)
            }
            if let caption = tile.caption, !caption.isEmpty {
                let text = caption.count <= maxChars ? caption : String(caption.prefix(max(1, maxChars - 1))) + "~"
                canvas.centeredText(text, centerX: x + cellWidth / 2, y: y + cellHeight + 2 * captionScale,
                                    color: captionColor, scale: captionScale)
            }
        }
        return canvas.image
    }

    /// A feature-map grid: every channel of item `item` of an NHWC tensor, each normalised
    /// on its own and enlarged by the integer `zoom`, captioned with its channel index.
    public static func featureMaps(_ tensor: Tensor, item: Int = 0, columns: Int = 8, zoom: Int = 1,
                                   mode: DisplayNormalization = .minMax, captions: Bool = true,
                                   padding: Int = 2) -> Image {
        let maps = featureMapImages(tensor, item: item, mode: mode)
        guard let first = maps.first else { return Image(width: 1, height: 1, channels: 3, fill: 255) }
        let tiles = maps.enumerated().map { Tile($0.element, caption: captions ? String($0.offset) : nil) }
        return grid(tiles, columns: columns, tileSize: (first.width * zoom, first.height * zoom), padding: padding)
    }
}
