// SIFT keypoints and descriptors — D. G. Lowe, "Object recognition from local
// scale-invariant features", ICCV 1999 (paper ref. [9]), computed with VLFeat
// 0.9.21 (vl_sift_new / vl_sift_process_first_octave / vl_sift_detect /
// vl_sift_calc_keypoint_orientations / vl_sift_calc_keypoint_descriptor).
//
// Orientations and descriptors are computed by SIFTOrientation / SIFTDescriptor on SIFTGradient's
// planes (the same arithmetic as VLFeat's, bit for bit), the scale space by SIFTScaleSpace.
//
// Input scaling: VLFeat takes `float` pixels; we pass grey / 255, i.e. the range
// [0, 1] (the range of scikit-image and of OpenCV's internal contrast test), so the
// peak threshold below means the same as OpenCV's contrastThreshold / nOctaveLayers
// (0.04 / 3) and skimage.feature.SIFT's c_dog (0.04 / 3).
import CVLFeat
import Foundation
import Tensor

/// A SIFT frame: centre (x = column, y = row, pixels), scale (sigma, pixels) and
/// orientation (radians, image frame with y pointing down, as VLFeat reports it).
public struct SIFTKeypoint: Codable, Equatable, Sendable {
    public var x: Double
    public var y: Double
    public var scale: Double
    public var orientation: Double

    /// Creates a keypoint.
    public init(x: Double, y: Double, scale: Double, orientation: Double) {
        self.x = x; self.y = y; self.scale = scale; self.orientation = orientation
    }
}

/// VLFeat SIFT parameters; defaults follow Lowe/OpenCV rather than VLFeat's own
/// (VLFeat defaults: first octave 0, peak threshold 0, edge threshold 10).
public struct SIFTParameters: Codable, Equatable, Sendable {
    /// Number of octaves; -1 = as many as fit (VLFeat default).
    public var octaves: Int = -1
    /// Scales per octave (VLFeat and Lowe default 3).
    public var levels: Int = 3
    /// First octave; -1 doubles the image first (Lowe, OpenCV, skimage upsampling=2).
    public var firstOctave: Int = -1
    /// Minimum |DoG| of a kept extremum on [0, 1] pixels: 0.04 / 3 (OpenCV, skimage).
    public var peakThreshold: Double = 0.04 / 3
    /// Edge threshold r on the Hessian ratio (Lowe, VLFeat, OpenCV default 10).
    public var edgeThreshold: Double = 10
    /// Descriptor window magnification (VLFeat default 3).
    public var magnification: Double = 3
    /// Descriptor Gaussian window size in spatial bins (VLFeat default 2).
    public var windowSize: Double = 2

    /// Default parameters (see the property comments).
    public init() {}
}

/// Keypoints with their 128-d descriptors, stored flat (row i = descriptor of keypoint i).
public struct SIFTFeatures: Sendable {
    /// Descriptor length of SIFT (4 x 4 spatial bins x 8 orientations).
    public static let dimension = 128
    /// One entry per descriptor (a location with two dominant orientations appears twice).
    public var keypoints: [SIFTKeypoint]
    /// `keypoints.count * 128` values, L2-normalised, clamped at 0.2 and renormalised by VLFeat.
    public var descriptors: [Float]

    /// Creates features from keypoints and flat descriptors.
    public init(keypoints: [SIFTKeypoint], descriptors: [Float]) {
        precondition(descriptors.count == keypoints.count * SIFTFeatures.dimension, "SIFTFeatures: descriptor count mismatch")
        self.keypoints = keypoints
        self.descriptors = descriptors
    }

    /// Number of features.
    public var count: Int { keypoints.count }
}

/// Who builds the Gaussian scale space (the results are bit-identical; SIFTScaleSpace.swift).
enum SIFTScaleSpaceBuilder: Sendable {
    /// vl_sift_process_first_octave / vl_sift_process_next_octave.
    case vlfeat
    /// SIFTScaleSpace: the same arithmetic along rows, vectorised.
    case rows
}

/// Who computes keypoint orientations and descriptors (the results are bit-identical; SIFTDescriptor.swift).
enum SIFTFrameBuilder: Sendable {
    /// vl_sift_calc_keypoint_orientations / vl_sift_calc_keypoint_descriptor.
    case vlfeat
    /// SIFTGradient, SIFTOrientation and SIFTDescriptor: the same arithmetic, the gradient vectorised.
    case planes
}

/// One VLFeat filter kept for images of one size and parameters (its octave, DoG and gradient buffers
/// are then allocated once, not per image), with its gradient planes. One thread at a time.
final class SIFTWorkspace {
    private var filter: UnsafeMutablePointer<VlSiftFilt>?
    private var key: (width: Int, height: Int, parameters: SIFTParameters)?
    /// Gradient planes of the current octave (SIFTFrameBuilder.planes).
    let gradient = SIFTGradient()

    /// The filter for this size and parameters, its gradient caches invalidated for a new image.
    func filter(_ width: Int, _ height: Int, _ parameters: SIFTParameters) -> UnsafeMutablePointer<VlSiftFilt>? {
        gradient.invalidate()
        if let key, key.width == width, key.height == height, key.parameters == parameters, let filter {
            filter.pointee.grad_o = filter.pointee.o_min - 1
            return filter
        }
        if let filter { vl_sift_delete(filter) }
        filter = vl_sift_new(Int32(width), Int32(height), Int32(parameters.octaves), Int32(parameters.levels), Int32(parameters.firstOctave))
        key = filter == nil ? nil : (width, height, parameters)
        return filter
    }

    deinit { if let filter { vl_sift_delete(filter) } }
}

/// The VLFeat filters of one multi-image `extract` call, handed between its threads (a thread takes one for its
/// chunk and gives it back).
/// The lock is a pthread mutex (`NSLock`), which ThreadSanitizer models; it does not see the ordering that
/// `Synchronization.Mutex`'s futex gives on Linux and reported its guarded array as a race.
private final class SIFTWorkspacePool: @unchecked Sendable {
    private let lock = NSLock()
    private var items: [SIFTWorkspace] = []
    func take() -> SIFTWorkspace { lock.withLock { items.popLast() } ?? SIFTWorkspace() }
    func give(_ workspace: SIFTWorkspace) { lock.withLock { items.append(workspace) } }
}

/// SIFT extraction through VLFeat.
public enum SIFT {
    /// Detects SIFT keypoints (all dominant orientations) and computes their descriptors.
    public static func extract(_ grey: GreyImage, parameters: SIFTParameters = SIFTParameters()) -> SIFTFeatures {
        extract(grey, parameters: parameters, scaleSpace: .rows)
    }

    /// Features of every image (input order), the images taken one at a time by `Threading.count` threads
    /// (`sharedChunks`: a late thread holds back no image; each thread reuses one VLFeat filter per image size).
    public static func extract(_ images: [GreyImage], parameters: SIFTParameters = SIFTParameters()) -> [SIFTFeatures] {
        var results = [SIFTFeatures](repeating: SIFTFeatures(keypoints: [], descriptors: []), count: images.count)
        results.withUnsafeMutableBufferPointer { buffer in
            let out = buffer  // a copy the workers share: the inout parameter itself is not accessed from them
            let workspaces = SIFTWorkspacePool()
            sharedChunks(images.count, chunk: 1) { range in
                let workspace = workspaces.take()
                for i in range { out[i] = extract(images[i], parameters: parameters, scaleSpace: .rows, workspace: workspace) }
                workspaces.give(workspace)
            }
        }
        return results
    }

    /// `extract` with chosen scale-space and frame builders (tests compare them) and a filter to reuse.
    static func extract(_ grey: GreyImage, parameters: SIFTParameters, scaleSpace: SIFTScaleSpaceBuilder,
                        frames: SIFTFrameBuilder = .planes, workspace: SIFTWorkspace = SIFTWorkspace()) -> SIFTFeatures {
        var keypoints: [SIFTKeypoint] = []
        var descriptors: [Float] = []
        guard grey.width >= 8, grey.height >= 8, let filter = workspace.filter(grey.width, grey.height, parameters)
        else { return SIFTFeatures(keypoints: [], descriptors: []) }
        vl_sift_set_peak_thresh(filter, parameters.peakThreshold)
        vl_sift_set_edge_thresh(filter, parameters.edgeThreshold)
        vl_sift_set_magnif(filter, parameters.magnification)
        vl_sift_set_window_size(filter, parameters.windowSize)

        let data = grey.pixels.map { $0 / 255 }
        var status = data.withUnsafeBufferPointer {
            switch scaleSpace {
            case .vlfeat: vl_sift_process_first_octave(filter, $0.baseAddress)
            case .rows: SIFTScaleSpace.processFirstOctave(filter, $0.baseAddress!)
            }
        }
        var angles = [Double](repeating: 0, count: 4)
        var descriptor = [Float](repeating: 0, count: SIFTFeatures.dimension)
        while status == VL_ERR_OK {
            vl_sift_detect(filter)
            let count = Int(vl_sift_get_nkeypoints(filter))
            // The planes need an octave of at least 2 x 2 (VLFeat's own smallest); smaller ones stay with VLFeat.
            let planes = frames == .planes && filter.pointee.octave_width >= 2 && filter.pointee.octave_height >= 2
            if count > 0, let keys = vl_sift_get_keypoints(filter) {
                for i in 0..<count {
                    let key = keys + i
                    let nAngles = angles.withUnsafeMutableBufferPointer {
                        planes ? SIFTOrientation.orientations(filter, workspace.gradient, key.pointee, into: $0.baseAddress!)
                            : Int(vl_sift_calc_keypoint_orientations(filter, $0.baseAddress, key))
                    }
                    for a in 0..<nAngles {
                        descriptor.withUnsafeMutableBufferPointer {
                            if planes {
                                SIFTDescriptor.compute(filter, workspace.gradient, key.pointee, angle: angles[a], into: $0.baseAddress!)
                            } else {
                                vl_sift_calc_keypoint_descriptor(filter, $0.baseAddress, key, angles[a])
                            }
                        }
                        keypoints.append(SIFTKeypoint(x: Double(key.pointee.x), y: Double(key.pointee.y),
                                                      scale: Double(key.pointee.sigma), orientation: angles[a]))
                        descriptors.append(contentsOf: descriptor)
                    }
                }
            }
            switch scaleSpace {
            case .vlfeat: status = vl_sift_process_next_octave(filter)
            case .rows: status = SIFTScaleSpace.processNextOctave(filter)
            }
        }
        return SIFTFeatures(keypoints: keypoints, descriptors: descriptors)
    }
}
