import Foundation

/// A line chart rendered to an `Image` (loss curves, metric histories): axes with tick labels, one polyline
/// per series, a legend; the y axis optionally logarithmic.
public enum LinePlot {
    /// The trailing moving average of `values` (window `window`), as points at iterations 1, 2, … (the first at
    /// iteration `window`): a noisy training curve made readable.
    public static func movingAverage(_ values: [Double], window: Int) -> [(x: Double, y: Double)] {
        let window = max(1, window)
        var out: [(x: Double, y: Double)] = [], running = 0.0
        for (i, value) in values.enumerated() {
            running += value
            if i >= window { running -= values[i - window] }
            if i + 1 >= window { out.append((Double(i + 1), running / Double(window))) }
        }
        return out
    }

    /// One curve.
    public struct Series: Sendable {
        public let label: String
        public let points: [(x: Double, y: Double)]
        public let colour: [Float]
        public init(label: String, points: [(x: Double, y: Double)], colour: [Float]) {
            self.label = label
            self.points = points
            self.colour = colour
        }
    }

    /// Renders the series on a white `width`×`height` RGB image.
    public static func render(_ series: [Series], title: String, xLabel: String, logarithmicY: Bool = false,
                              width: Int = 800, height: Int = 480, renderer: TextRenderer) throws -> Image {
        var image = try Image(width: width, height: height, channels: 3, filledWith: 1)
        let all = series.flatMap(\.points).filter { $0.y.isFinite && (!logarithmicY || $0.y > 0) }
        let ink: [Float] = [0.15, 0.15, 0.15]
        renderer.draw(title, into: &image, x: 12, y: 6, colour: ink)
        guard let xMin = all.map(\.x).min(), let xMax = all.map(\.x).max(),
              let yMinRaw = all.map(\.y).min(), let yMaxRaw = all.map(\.y).max() else { return image }
        let transform: (Double) -> Double = logarithmicY ? { log10($0) } : { $0 }
        var (yMin, yMax) = (transform(yMinRaw), transform(yMaxRaw))
        if yMax - yMin < 1e-12 { yMin -= 0.5; yMax += 0.5 }
        let (left, right, top, bottom) = (70, width - 20, 20 + renderer.lineHeight, height - 30 - renderer.lineHeight)
        func px(_ x: Double) -> Double { Double(left) + (x - xMin) / max(xMax - xMin, 1e-12) * Double(right - left) }
        func py(_ y: Double) -> Double { Double(bottom) - (transform(y) - yMin) / (yMax - yMin) * Double(bottom - top) }
        let grid: [Float] = [0.85, 0.85, 0.85]
        for i in 0...4 {
            let fraction = Double(i) / 4
            let yValue = yMin + fraction * (yMax - yMin)
            let y = Double(bottom) - fraction * Double(bottom - top)
            line(&image, Double(left), y, Double(right), y, grid)
            let label = logarithmicY ? String(format: "%.2g", pow(10, yValue)) : String(format: "%.3g", yValue)
            renderer.draw(label, into: &image, x: 4, y: Int(y) - renderer.lineHeight / 2, colour: ink)
            let xValue = xMin + fraction * (xMax - xMin)
            let x = Double(left) + fraction * Double(right - left)
            renderer.draw(String(format: "%.0f", xValue), into: &image, x: Int(x) - 10, y: bottom + 4, colour: ink)
        }
        line(&image, Double(left), Double(top), Double(left), Double(bottom), ink)
        line(&image, Double(left), Double(bottom), Double(right), Double(bottom), ink)
        renderer.draw(xLabel, into: &image, x: (left + right) / 2 - renderer.width(of: xLabel) / 2,
                      y: height - renderer.lineHeight - 4, colour: ink)
        let legendWidth = (series.map { renderer.width(of: $0.label) }.max() ?? 0) + 30
        for (index, s) in series.enumerated() {
            let points = s.points.filter { $0.y.isFinite && (!logarithmicY || $0.y > 0) }
            for (a, b) in zip(points, points.dropFirst()) { line(&image, px(a.x), py(a.y), px(b.x), py(b.y), s.colour) }
            let legendY = top + 4 + index * renderer.lineHeight
            line(&image, Double(right - legendWidth), Double(legendY + renderer.lineHeight / 2), Double(right - legendWidth + 20),
                 Double(legendY + renderer.lineHeight / 2), s.colour)
            renderer.draw(s.label, into: &image, x: right - legendWidth + 26, y: legendY, colour: ink)
        }
        return image
    }

    /// A one-pixel line (DDA), clipped to the image.
    static func line(_ image: inout Image, _ x0: Double, _ y0: Double, _ x1: Double, _ y1: Double, _ colour: [Float]) {
        let steps = max(1, Int(max(abs(x1 - x0), abs(y1 - y0)).rounded(.up)))
        let plane = image.width * image.height
        for i in 0...steps {
            let t = Double(i) / Double(steps)
            let x = Int((x0 + (x1 - x0) * t).rounded()), y = Int((y0 + (y1 - y0) * t).rounded())
            guard x >= 0, y >= 0, x < image.width, y < image.height else { continue }
            for c in 0..<min(3, image.channels) { image.samples[c * plane + y * image.width + x] = colour[c] }
        }
    }
}
