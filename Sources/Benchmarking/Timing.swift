import Foundation

/// Median wall time of `body` over `repeats` runs after one warm-up.
public func medianSeconds(repeats: Int, _ body: () throws -> Void) rethrows -> Double {
    try body()
    var times: [Double] = []
    for _ in 0..<max(1, repeats) {
        let t0 = DispatchTime.now().uptimeNanoseconds
        try body()
        times.append(Double(DispatchTime.now().uptimeNanoseconds - t0) / 1e9)
    }
    times.sort()
    return times[times.count / 2]
}

/// Peak resident set size of this process (VmHWM), in MB.
public func peakRSSMegabytes() -> Double {
    guard let s = try? String(contentsOfFile: "/proc/self/status", encoding: .utf8) else { return 0 }
    for line in s.split(separator: "\n") where line.hasPrefix("VmHWM:") {
        let kb = line.split(separator: " ").compactMap { Double($0) }.first ?? 0
        return kb / 1024
    }
    return 0
}

/// One line of a comparison table: ConvScope's median, the reference's, and the ratio.
public func report(_ what: String, convscope: Double, tf: Double?, reference: String = "TensorFlow") {
    if let tf {
        print(String(format: "%-44@ ConvScope %9.1f ms   %-10@ %9.1f ms   ratio %.2f", what as NSString, convscope * 1000,
                     reference as NSString, tf * 1000, convscope / tf))
    } else {
        print(String(format: "%-44@ ConvScope %9.1f ms", what as NSString, convscope * 1000))
    }
}
