import Foundation

/// ImageNet class names (index → "Siamese cat, Siamese"), shipped as a package resource.
public enum ClassNames {
    public static let imagenet: [String] = {
        guard let url = Bundle.module.url(forResource: "imagenet-class-names", withExtension: "json", subdirectory: "Resources"),
              let data = try? Data(contentsOf: url),
              let names = try? JSONDecoder().decode([String].self, from: data) else { return [] }
        return names
    }()

    /// The name of class `i` for a model with `classes` outputs: ImageNet names for 1000-way models.
    public static func name(_ i: Int, classes: Int?) -> String? {
        guard classes == 1000, i >= 0, i < imagenet.count else { return nil }
        return imagenet[i]
    }
}
