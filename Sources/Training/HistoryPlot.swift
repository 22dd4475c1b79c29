import Imaging

extension History {
    /// Loss (left) and accuracy (right) curves per epoch, training and validation.
    public func plot(title: String = "Training") -> Image {
        let e = epochs
        var loss = [LineChart.Series(name: "loss", y: e.map(\.loss), color: .blue)]
        if e.contains(where: { $0.valLoss != nil }) { loss.append(.init(name: "val_loss", y: e.map { $0.valLoss ?? .nan }, color: .orange)) }
        var acc = [LineChart.Series(name: "accuracy", y: e.map(\.accuracy), color: .blue)]
        if e.contains(where: { $0.valAccuracy != nil }) { acc.append(.init(name: "val_accuracy", y: e.map { $0.valAccuracy ?? .nan }, color: .orange)) }
        let left = LineChart(series: loss, title: "\(title): loss", xLabel: "epoch", yLabel: "loss").render(width: 560, height: 400)
        let right = LineChart(series: acc, title: "\(title): accuracy", xLabel: "epoch", yLabel: "accuracy", yRange: 0...1).render(width: 560, height: 400)
        return Montage.grid([.init(left), .init(right)], columns: 2, padding: 0)
    }
}
