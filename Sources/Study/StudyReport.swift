import Foundation
import Report

/// report.html: the study in one self-contained page (settings, Table 3, Figures 6 and 7, the
/// reconstructions, DeconvNet projections, weight change, training curves, run time).
enum StudyReport {
    static func write(_ r: ExperimentResults, timings: ExperimentTimings, out: String, modelName: String, imagesDir: String) throws {
        func png(_ key: String) throws -> Data { try Data(contentsOf: URL(fileURLWithPath: StudyFiles.path(out, r.figures[key]!))) }
        let s = r.settings, t = s.training
        var page = HTMLReport(title: "ConvScope retraining experiment",
                              subtitle: "\(modelName) — \(r.target.label) — \(r.rounds.count) round(s) on \(r.images.count) images (the paper's Sect. 3.3)")
        page.section("Settings") { sec in
            sec.table(["setting", "value"], [
                ["model", modelName + (r.arch.map { " (--arch \($0))" } ?? "")],
                ["images", "\(imagesDir) (\(r.images.count) images, labelled class \(s.classIndex))"],
                ["target", r.target.label],
                ["rounds", "\(s.rounds)"], ["seed", "\(s.seed)"],
                ["optimizer", "\(t.optimizer), lr \(t.learningRate.map { "\($0)" } ?? "default"), decay \(t.decay)" + (t.optimizer == .sgd ? ", momentum \(t.momentum)" : "")],
                ["epochs / batch", "\(t.epochs) / \(t.batch)"],
                ["validation split", "\(t.validationSplit)"],
                ["early stopping", t.earlyStopping.map { "monitor \($0.monitor.rawValue), min_delta \($0.minDelta), patience \($0.patience)\($0.restoreBestWeights ? ", restore best weights" : "")" } ?? "off"],
                ["augmentation", t.augmentation.map { "rotation \($0.rotationRange), width shift \($0.widthShiftRange), height shift \($0.heightShiftRange), flip \($0.horizontalFlip)" } ?? "none"],
                ["frozen layers", t.freeze.isEmpty ? "none" : t.freeze.joined(separator: ", ")],
                ["activation maximization", "\(s.maximizeMethod), \(s.maximizeSteps) steps of size \(s.maximizeStepSize); before and after start from the same noise"],
                ["matching", "grey, \(s.matchSize)x\(s.matchSize); SIFT: descriptors, RANSAC similarity 15 px; Harris: 11x11 Gaussian SSD, RANSAC affine 2 px; \(s.ransacTrials) trials"],
                ["matching rule", "\(s.matching.rawValue): \(s.matching.summary)"],
                ["bag of words", "\(s.words) words, tf-idf as the authors' code (nn-visu)"],
            ])
        }
        page.section("Table 3 — maximum bag-of-words score") { sec in
            sec.table(["", "mean max score", "median max score"], [
                ["before retraining", String(format: "%.3f", r.table3.before.mean), String(format: "%.3f", r.table3.before.median)],
                ["after retraining", String(format: "%.3f", r.table3.after.mean), String(format: "%.3f", r.table3.after.median)],
            ], caption: "Per round, the largest cosine score between a reconstruction's visual-word histogram and any training image's; mean and median over \(r.rounds.count) rounds. Paper (Conv): 0.953/0.953 before, 0.940/0.941 after.")
            sec.paragraph("Weights follow the authors' code (idf = ln(N / (n_w + 1)), weight = count · max(tf·idf, 1e-4), the query counted among the images). With 10 words nearly every word occurs in every image, so the textbook idf ln(N / n_w) is 0 and all scores collapse; the authors' variant is what gives the paper's scale of about 0.95.")
        }
        try page.section("Figure 6 — contributions of the training images") { sec in
            var items: [(png: Data, caption: String)] = []
            for m in ["sift", "harris"] {
                for p in ["before", "after"] {
                    items.append((try png("figure6_\(m)_\(p)"), "\(m == "sift" ? "SIFT" : "Harris"), \(p) retraining"))
                }
            }
            sec.figureGrid(items, columns: 2)
            sec.paragraph("Contribution of a training image = RANSAC inliers between the reconstruction and that image / inliers with all images. Bars: the 11 largest mean contributions over \(r.rounds.count) round(s); error bars: one standard deviation.")
        }
        try page.section("Figure 7 — matches with the closest image") { sec in
            var items: [(png: Data, caption: String)] = []
            for p in ["before", "after"] where r.figures["figure7_\(p)"] != nil {
                let ph = p == "before" ? r.rounds[0].before : r.rounds[0].after
                items.append((try png("figure7_\(p)"), "Round 1, \(p) retraining: Harris matches kept by RANSAC between the reconstruction (left) and its closest training image \(ph.harris.closestImage) (right), \(ph.harris.inliers[ph.harris.closestIndex]) inliers."))
            }
            sec.figureGrid(items, columns: 2)
        }
        try page.section("Reconstructions of every round") { sec in
            sec.figure(png: try png("reconstructions"), caption: "Activation maximization of \(r.target.label) before and after retraining, round by round (Figures 4 and 5).")
            sec.table(["round", "BoW max before", "best image", "BoW max after", "best image", "epochs", "early stop", "objective before", "objective after"],
                      r.rounds.map { x in
                          [String(x.round), String(format: "%.3f", x.before.bow.maxScore), x.before.bow.bestImage,
                           String(format: "%.3f", x.after.bow.maxScore), x.after.bow.bestImage, String(x.training.epochs),
                           x.training.stoppedEpoch.map { "epoch \($0 + 1)" } ?? "no",
                           String(format: "%.3g", x.before.objectiveEnd), String(format: "%.3g", x.after.objectiveEnd)]
                      })
        }
        try page.section("DeconvNet projections of one training image") { sec in
            sec.figure(png: try png("deconv_before"), caption: "\(r.images[s.deconvImage]) with the pretrained weights: the strongest feature map of each convolution and pooling layer projected back to pixels.")
            sec.figure(png: try png("deconv_after"), caption: "The same image after round 1's retraining.")
        }
        if r.figures["evolution"] != nil {
            try page.section("Feature evolution during retraining") { sec in
                sec.figure(png: try png("evolution"), caption: "\(r.images[s.deconvImage]) during round 1's retraining (Zeiler & Fergus Fig. 4): the DeconvNet projection of each layer's strongest feature map, epochs across (e0 = the pretrained weights), layers down; each tile normalised on its own.")
            }
        }
        try page.section("Weight change") { sec in
            sec.figure(png: try png("weight_change"), caption: "How far each layer moved during retraining: ||W_after - W_before|| / ||W_before||, mean over rounds; error bars one standard deviation.", maxWidth: 720)
            sec.table(["layer", "mean relative change", "std"], r.weightChange.map { [$0.layer, String(format: "%.4g", $0.meanRelativeChange), String(format: "%.2g", $0.stdRelativeChange)] })
        }
        try page.section("Training curves") { sec in
            sec.figure(png: try png("training_curves"), caption: "Loss and accuracy per epoch (training and validation), mean over the rounds that reached each epoch.")
        }
        page.section("Run time") { sec in
            let shares = timings.stageShares.sorted { $0.value > $1.value }
            sec.paragraph(String(format: "%.1f s in total, %.1f s per round on average (rounds computed in this run).", timings.totalSeconds, timings.meanRoundSeconds))
            sec.table(["stage", "share"], shares.map { [$0.key.replacingOccurrences(of: "_", with: " "), String(format: "%.1f %%", $0.value * 100)] })
        }
        try page.write(to: URL(fileURLWithPath: StudyFiles.path(out, "report.html")))
    }
}
