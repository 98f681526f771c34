import ArgumentParser
import CLIPTokenizer
import DACLIP
import Foundation
import WildIR

/// `wildir evaluate`: scores folders of restored images with the field's metrics, per image or as a paper's table.
struct EvaluateCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "evaluate",
        abstract: "Score restored images with PSNR, SSIM, LPIPS, DISTS, CLIP-I (against references), NIQE, CLIPIQA, and FID and KID (sets).",
        discussion: """
            Files pair by name without extension (restored/x.png with reference/x.jpg); .png, .jpg, .jpeg and \
            .webp files take part, other files are listed on stderr as skipped. Unpaired files are an error \
            unless --allow-unpaired is given. No-reference metrics (niqe) need no --reference; without it every \
            restored image is scored.

            Several --restored folders (each optionally named by a --label, in the same order) give one table \
            comparing them, laid out as the papers' tables: a row per folder, the mean of each metric, ↑ or ↓ per \
            column, and in Markdown the best value of each column in bold.

            PSNR and SSIM compare RGB unless --y-channel (BasicSR's Y) or --y-convention names whose Y: basicsr \
            (BasicSR's test_y_channel, MATLAB rgb2ycbcr: BT.601 studio swing, 16 + 65.481 R + 128.553 G + 24.966 B, \
            16-235, the default) or pyiqa \
            (pyiqa's psnry and ssim: YIQ's Y, the full-range BT.601 luma 0.299 R + 0.587 G + 0.114 B, 0-255, with \
            pyiqa's PSNR epsilon, its SSIM on Y rounded to integers with the contrast term clipped at zero). On \
            the same images pyiqa's PSNR is 20·log10(255/219) ≈ 1.32 dB lower; every report names the convention.

            Alpha is ignored. A gray file paired with an RGB one is compared as R = G = B; on Y gray images are \
            converted like RGB ones (BasicSR: Y = 16 + 219/255 · gray; pyiqa: Y = gray), as both packages' readers \
            do. NIQE always reads Y (BasicSR's calculate_niqe) and uses --crop-border.

            LPIPS (v0.1, the lpips package; --lpips-net alex or vgg) and DISTS (the DISTS_pytorch package) are \
            learned, full-reference, lower is better; they read the whole RGB image at its size (--y-channel, --y-convention and \
            --crop-border do not apply) and need the restored and reference images to have the same size. Their \
            trunks are torchvision's ImageNet weights, looked for where PyTorch caches them: \
            $TORCH_HOME/hub/checkpoints, $XDG_CACHE_HOME/torch/hub/checkpoints, ~/.cache/torch/hub/checkpoints \
            (alexnet-owt-7be5be79.pth, vgg16-397923af.pth; nothing is downloaded). Their small learned layers ship \
            in models/metrics/. --weights NAME=PATH gives any of these files explicitly.

            CLIP-I (clip-i: the cosine of the CLIP image embeddings of the restored image and its reference, \
            full-reference) and CLIPIQA (pyiqa's clipiqa formula and antonym prompts, --clipiqa-prompts, no-reference) \
            are higher-is-better and read CLIP's own 224-pixel centre crop, so images of any size pair. They need \
            the CLIP weights you report with: --clip FILE, an OpenCLIP ViT checkpoint (open_clip_pytorch_model.bin, \
            open_clip_model.safetensors) or a DA-CLIP .pt, whose frozen CLIP is used (--clip-config NAME|JSON when \
            the shapes do not tell the configuration). pyiqa runs OpenAI's ResNet-50 CLIP on the whole image: its \
            CLIPIQA values are not comparable with these.

            FID (the pytorch-fid package) and KID (torch-fidelity's and clean-fid's unbiased MMD² with the cubic \
            polynomial kernel, --kid-subsets subsets of up to --kid-subset-size images) compare the whole \
            --restored folder with the whole --reference folder: every image of each, of any size (resized to \
            299×299 inside), no pairing by name; one value per folder, in the mean row. Each set needs at least 2 \
            images (more than a few hundred for a meaningful FID). They read pytorch-fid's Inception weights, \
            pt_inception-2015-12-05-6726825d.pth, from the same PyTorch cache folders as the trunks above \
            (or --weights fid-inception=PATH).

            PSNR of identical images is infinite: "inf" in the tables and CSV, null in JSON, and so is a mean \
            that includes it. Exit status: 0 on success, 1 when an image cannot be read, paired or scored, \
            64 for invalid options.

            Examples:
              wildir evaluate --restored out/ --reference gt/ --y-channel --crop-border 4
              wildir evaluate --restored out/ --reference gt/ --y-convention pyiqa
              wildir evaluate --restored out/ --reference gt/ --metrics psnr,ssim,niqe --format csv > scores.csv
              wildir evaluate --restored lq/ --label LQ --restored out/ --label WildIR --reference gt/ --format markdown
              wildir evaluate --restored out/ --metrics niqe
              wildir evaluate --restored out/ --reference gt/ --metrics psnr,ssim,lpips,dists
              wildir evaluate --restored out/ --reference gt/ --metrics lpips --lpips-net vgg --weights vgg16=~/vgg16.pth
              wildir evaluate --restored out/ --reference gt/ --metrics fid,kid
              wildir evaluate --restored out/ --reference gt/ --metrics clip-i,clipiqa --clip open_clip_pytorch_model.bin
            """
    )

    @Option(help: "Folder of restored images; repeat to compare several folders in one table.")
    var restored: [String]

    @Option(help: "Name of the matching --restored folder in tables (default: the folder's name).")
    var label: [String] = []

    @Option(help: "Folder of reference (ground-truth) images; needed by psnr, ssim, lpips, dists, clip-i, fid and kid.")
    var reference: String?

    @Option(help: "Comma-separated metrics: psnr, ssim, niqe, lpips, dists, clip-i, clipiqa, fid, kid.")
    var metrics = "psnr,ssim"

    @Flag(name: .customLong("y-channel"), help: "PSNR and SSIM on Y only, as BasicSR computes it (BT.601 studio swing, MATLAB rgb2ycbcr).")
    var yChannelFlag = false

    @Option(name: .customLong("y-convention"),
            help: ArgumentHelp("PSNR and SSIM on Y only, as basicsr (BT.601 studio swing, MATLAB rgb2ycbcr) or pyiqa (YIQ's full-range Y) computes it.",
                               valueName: "basicsr|pyiqa"))
    var yConvention: YChannelConvention?

    /// The Y convention asked for: --y-convention, or BasicSR's for a bare --y-channel; nil compares RGB.
    var yChannel: YChannelConvention? { yConvention ?? (yChannelFlag ? .basicsr : nil) }

    @Option(name: .customLong("crop-border"), help: "Pixels to remove from every side before scoring.")
    var cropBorder = 0

    @Option(help: "Output format: text, markdown, csv or json (table is text).")
    var format: ReportFormat = .text

    @Flag(name: .customLong("allow-unpaired"), help: "Score the pairs that exist and list unpaired files.")
    var allowUnpaired = false

    @Option(name: .customLong("lpips-net"), help: "LPIPS's trunk: alex (the lpips package's default) or vgg.")
    var lpipsNet: LPIPSNetwork = .alex

    @Option(name: .customLong("weights"),
            help: ArgumentHelp("A learned metric's weight file; NAME is alexnet, vgg16, lpips-alex, lpips-vgg, dists or fid-inception. Repeatable.",
                               valueName: "name=path"))
    var weights: [String] = []

    @Option(name: .customLong("kid-subsets"), help: "KID: how many random subsets are averaged.")
    var kidSubsets = 100

    @Option(name: .customLong("kid-subset-size"), help: "KID: the largest subset size (smaller sets use their size).")
    var kidSubsetSize = 1000

    @Option(help: ArgumentHelp("CLIP weights of clip-i and clipiqa: an OpenCLIP ViT checkpoint or a DA-CLIP .pt.", valueName: "file"))
    var clip: String?

    @Option(name: .customLong("clip-config"),
            help: ArgumentHelp("The CLIP's configuration, when its shapes do not tell it: an OpenCLIP name (ViT-B-32, ViT-L-14) or model-config JSON file.",
                               valueName: "name|json"))
    var clipConfig: String?

    @Option(name: .customLong("clipiqa-prompts"),
            help: "CLIPIQA's antonym prompts: pyiqa (its current five pairs), pyiqa-three-pairs (its earlier ones) or original (the paper's Good/Bad photo.).")
    var clipiqaPrompts: CLIPIQA.PromptSet = .pyiqa

    @Option(help: "The CLIP tokenizer's vocabulary, bpe_simple_vocab_16e6.txt.gz (default: the bundled one in models/clip/).")
    var vocabulary: String?

    @OptionGroup var decoding: DecodingOptions

    func validate() throws {
        guard cropBorder >= 0 else { throw ValidationError("--crop-border must be zero or positive, got \(cropBorder)") }
        guard kidSubsets >= 1 else { throw ValidationError("--kid-subsets must be at least 1, got \(kidSubsets)") }
        guard kidSubsetSize >= 2 else { throw ValidationError("--kid-subset-size must be at least 2, got \(kidSubsetSize)") }
        guard !restored.isEmpty else { throw ValidationError("give at least one --restored folder") }
        guard label.isEmpty || label.count == restored.count else {
            throw ValidationError("give one --label per --restored folder (\(restored.count)), or none; got \(label.count)")
        }
        let names = try parsedMetrics()
        _ = try parsedWeights()
        if reference == nil, let needing = names.first(where: \.needsReference) {
            throw ValidationError("\(needing.rawValue) compares against references: give --reference, or use --metrics niqe")
        }
        if clip == nil, names.contains(where: \.isCLIPBased) {
            throw ValidationError("\(CLIPScoresError.weightsRequired(names.filter(\.isCLIPBased).map(\.title)))")
        }
        for (option, path) in restored.map({ ("--restored", $0) }) + (reference.map { [("--reference", $0)] } ?? []) {
            var isDirectory: ObjCBool = false
            guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) else {
                throw ValidationError("\(option) \(path): no such folder")
            }
            guard isDirectory.boolValue else { throw ValidationError("\(option) \(path): is a file, not a folder of images") }
        }
    }

    func parsedMetrics() throws -> [MetricName] {
        do { return try MetricName.list(metrics) } catch { throw ValidationError("--metrics: \(error)") }
    }

    /// The `--weights NAME=PATH` arguments by name (the last one wins).
    func parsedWeights() throws -> [MetricWeights: String] {
        var out: [MetricWeights: String] = [:]
        for argument in weights {
            guard let equals = argument.firstIndex(of: "="), equals != argument.startIndex,
                  argument.index(after: equals) != argument.endIndex else {
                throw ValidationError("--weights takes NAME=PATH (NAME: \(MetricWeights.allCases.map(\.rawValue).joined(separator: ", "))), got '\(argument)'")
            }
            do {
                out[try MetricWeights.named(String(argument[..<equals]))] = String(argument[argument.index(after: equals)...])
            } catch { throw ValidationError("--weights: \(error)") }
        }
        return out
    }

    /// LPIPS, DISTS and the FID Inception, when asked for, loaded once for every folder.
    func learnedMetrics(_ names: [MetricName]) throws -> LearnedMetrics {
        guard names.contains(where: \.isLearned) else { return LearnedMetrics() }
        let locator = MetricWeightsLocator(overrides: try parsedWeights(),
                                           bundledFolders: ModelLocator().candidates(for: "metrics").map { $0.deletingLastPathComponent() })
        return try LearnedMetrics.load(for: names, lpipsNetwork: lpipsNet, locator: locator)
    }

    /// CLIP-I and CLIP-IQA, when asked for, on one CLIP loaded once for every folder.
    func clipScores(_ names: [MetricName]) throws -> CLIPScores {
        try CLIPScores.load(for: names, clip: clip.map { URL(fileURLWithPath: $0) },
                            configuration: try clipConfig.map { try CLIPConfiguration(nameOrJSON: $0) }, prompts: clipiqaPrompts) {
            try clipTokenizer(vocabulary: vocabulary)
        }
    }

    func run() throws {
        let names = try parsedMetrics()
        var niqeParameters: NIQEParameters?
        let learned: LearnedMetrics
        let clipScores: CLIPScores
        do {
            if names.contains(.niqe) {
                niqeParameters = try NIQEParameters(contentsOf: ModelLocator().bundledFile(NIQEParameters.bundledPath))
            }
            learned = try learnedMetrics(names)
            clipScores = try self.clipScores(names)
        } catch {
            printError("error: \(error)")
            throw ExitCode(1)
        }
        let evaluator = Evaluator(options: Evaluator.Options(
            metrics: names, region: ComparisonRegion(cropBorder: cropBorder, yChannel: yChannel),
            allowUnpaired: allowUnpaired, decode: decoding.options, niqeParameters: niqeParameters, learned: learned,
            clip: clipScores, kid: KernelInceptionDistance(subsets: kidSubsets, subsetSize: kidSubsetSize)))
        var reports: [LabelledReport] = []
        for (i, folder) in restored.enumerated() {
            let name = label.isEmpty ? URL(fileURLWithPath: folder).lastPathComponent : label[i]
            var bar: ProgressBar?
            do {
                let report = try evaluator.evaluate(restoredDirectory: folder, referenceDirectory: reference) { done, total in
                    // Long sets only: a handful of images is scored before a bar would be read.
                    guard total >= 8 else { return }
                    if bar == nil { bar = ProgressBar(total: total, unit: "images") }
                    bar?.update(done)
                }
                reports.append(LabelledReport(label: name, folder: folder, report: report))
            } catch let error as EvaluationError {
                printError("error: \(error)")
                throw ExitCode(1)
            }
        }
        print(ReportFormatter.render(reports, format: format), terminator: format == .csv ? "" : "\n")
        for report in reports.map(\.report) {
            for path in report.unpairedRestored + report.unpairedReference { printError("unpaired (not scored): \(path)") }
            for path in report.skipped { printError("skipped (not a .png, .jpg, .jpeg or .webp file): \(path)") }
        }
    }
}

extension LPIPSNetwork: ExpressibleByArgument {}

extension YChannelConvention: ExpressibleByArgument {}

extension CLIPIQA.PromptSet: ExpressibleByArgument {}
