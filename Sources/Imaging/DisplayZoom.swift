/// Enlarges small images (e.g. 32×32 CIFAR inputs) by an integer factor so figures are legible.
public func displayZoom(_ image: Image, minSide: Int = 128) -> Image {
    let f = max(1, minSide / max(1, min(image.width, image.height)))
    guard f > 1 else { return image }
    return image.resized(width: image.width * f, height: image.height * f, interpolation: .nearest)
}
