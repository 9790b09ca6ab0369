import Foundation

/// CIFAR-10 and CIFAR-100 in the "binary version" of Krizhevsky (2009): the formats
/// `cifar10-binary` and `cifar100-binary`.
///
/// A folder holds the archive as downloaded (`cifar-10-binary.tar.gz`,
/// `cifar-100-binary.tar.gz`), read in memory through zlib and `Tar` (nothing is extracted),
/// or its extracted folder (`cifar-10-batches-bin/`, `cifar-100-binary/`). The files:
/// - CIFAR-10: `data_batch_1.bin` … `data_batch_5.bin` (training, in that order) and
///   `test_batch.bin`, 10,000 records each of 1 label byte (0…9) and 3,072 pixel bytes;
/// - CIFAR-100: `train.bin` (50,000 records) and `test.bin` (10,000), each record a coarse
///   label byte (0…19), a fine label byte (0…99) and 3,072 pixel bytes.
/// The pixels of a record are the red plane, then green, then blue, each 32 rows of 32 bytes:
/// exactly the 3×32×32 layout of `ImageSet` and of torchvision's `CIFAR10` (whose arrays are
/// these planes, `reshape(-1, 3, 32, 32)`). Images stay as bytes.
///
/// What is read is bounded by the official sizes: the inflated archive by the official files'
/// sizes plus 1 MiB (headers, `readme.html`, the label names), each file by its official
/// size; a file may hold fewer records than the official count (test archives do), but not
/// a partial one.
public struct CIFARBinary: Sendable {
    /// The archive's file name.
    public let archive: String
    /// The folder inside the archive.
    public let folder: String
    /// Training files in order, then test files, with their official record counts.
    let trainFiles: [(String, Int)]
    let testFiles: [(String, Int)]
    /// Label bytes before the pixels of each record (1 for CIFAR-10; 2, coarse then fine, for CIFAR-100).
    let labelBytes: Int
    /// Each kind of label: its name, its byte in a record, its class names.
    let labels: [(name: String, byte: Int, classNames: [String])]

    /// Bytes per record.
    var recordSize: Int { labelBytes + 3 * 32 * 32 }

    /// CIFAR-10's layout.
    public static let cifar10 = CIFARBinary(
        archive: "cifar-10-binary.tar.gz", folder: "cifar-10-batches-bin",
        trainFiles: (1...5).map { ("data_batch_\($0).bin", 10_000) }, testFiles: [("test_batch.bin", 10_000)], labelBytes: 1,
        labels: [("label", 0, ["airplane", "automobile", "bird", "cat", "deer", "dog", "frog", "horse", "ship", "truck"])])

    /// CIFAR-100's layout: fine labels by default, coarse ones with `label: "coarse"`.
    public static let cifar100 = CIFARBinary(
        archive: "cifar-100-binary.tar.gz", folder: "cifar-100-binary",
        trainFiles: [("train.bin", 50_000)], testFiles: [("test.bin", 10_000)], labelBytes: 2,
        labels: [("fine", 1, CIFARBinary.fineNames), ("coarse", 0, CIFARBinary.coarseNames)])

    /// The class names of the labels `label` names (nil: the default, the first kind).
    public func classNames(label: String?) -> [String] {
        (labels.first { $0.name == label } ?? labels[0]).classNames
    }

    /// The kind of label `options.label` names; throws for another name.
    func label(_ options: DatasetReadOptions) throws -> (name: String, byte: Int, classNames: [String]) {
        guard let name = options.label else { return labels[0] }
        guard let kind = labels.first(where: { $0.name == name }), labels.count > 1 || name == labels[0].name else {
            let names = labels.count > 1 ? labels.map(\.name).joined(separator: " or ") : "none (one kind of label)"
            throw DescentError("\(archive): no labels called '\(name)'; labels are \(names)")
        }
        return kind
    }

    /// The dataset format reading this layout.
    var format: DatasetFormat {
        let layout = self
        let name = archive.hasPrefix("cifar-10-") ? "cifar10-binary" : "cifar100-binary"
        let files = (trainFiles + testFiles).map(\.0).joined(separator: ", ")
        return DatasetFormat(name: name, summary: "\(archive), or its folder \(folder)/ (\(files))",
                             holdsData: { layout.holdsData($0) }, read: { try layout.read($0, $1) })
    }

    func holdsData(_ directory: String) -> Bool {
        FileBytes.exists(directory + "/" + archive) || FileBytes.exists(directory + "/" + folder + "/" + trainFiles[0].0)
    }

    /// Reads the archive in `directory` if there is one, else the extracted folder.
    func read(_ directory: String, _ options: DatasetReadOptions) throws -> DatasetSplits {
        let kind = try label(options)
        let all = trainFiles + testFiles
        var contents: [String: ArraySlice<UInt8>] = [:]
        let archivePath = directory + "/" + archive
        if FileBytes.exists(archivePath) {
            let official = all.reduce(0) { $0 + $1.1 * recordSize }
            let tar = try Gzip.decompress(try FileBytes.read(archivePath), name: archivePath, maximumSize: official + (1 << 20))
            let sizes = Dictionary(uniqueKeysWithValues: all.map { (folder + "/" + $0.0, $0.1 * recordSize) })
            let entries = try Tar.files(tar, archive: archivePath) { sizes[$0] ?? (64 << 10) }
            for (file, _) in all {
                guard let range = entries[folder + "/" + file] else {
                    throw DescentError("\(archivePath): no \(folder)/\(file) in the archive")
                }
                contents[file] = tar[range]
            }
        } else {
            for (file, count) in all {
                let path = directory + "/" + folder + "/" + file
                guard FileBytes.exists(path) else {
                    throw DescentError("\(directory): neither \(archive) nor \(folder)/\(file)")
                }
                let size = (try? FileManager.default.attributesOfItem(atPath: path)[.size] as? Int) ?? nil
                if let size, size > count * recordSize {
                    throw DescentError("\(path): \(size) bytes, more than the \(count * recordSize) of its \(count) records")
                }
                contents[file] = try FileBytes.read(path)[...]
            }
        }
        func set(_ files: [(String, Int)]) throws -> ImageSet {
            var pixels: [UInt8] = [], labels: [UInt8] = []
            let total = files.reduce(0) { $0 + (contents[$1.0]!.count / recordSize) }
            pixels.reserveCapacity(total * 3072)
            labels.reserveCapacity(total)
            for (file, _) in files {
                let bytes = contents[file]!
                let name = FileBytes.exists(archivePath) ? "\(archivePath): \(folder)/\(file)" : directory + "/" + folder + "/" + file
                guard !bytes.isEmpty, bytes.count % recordSize == 0 else {
                    throw DescentError("\(name): \(bytes.count) bytes are not whole records of \(recordSize) bytes (\(labelBytes) label byte\(labelBytes == 1 ? "" : "s") and 3×32×32 pixels)")
                }
                var r = bytes.startIndex
                while r < bytes.endIndex {
                    let label = bytes[r + kind.byte]
                    guard Int(label) < kind.classNames.count else {
                        throw DescentError("\(name): record \((r - bytes.startIndex) / recordSize) has \(kind.name) \(label), not below \(kind.classNames.count)")
                    }
                    labels.append(label)
                    pixels.append(contentsOf: bytes[(r + labelBytes)..<(r + recordSize)])
                    r += recordSize
                }
            }
            return try ImageSet(count: labels.count, channels: 3, height: 32, width: 32, pixels: pixels, labels: labels)
        }
        return DatasetSplits(train: try set(trainFiles), test: try set(testFiles), classNames: kind.classNames)
    }

    /// CIFAR-100's fine classes in label order (its `fine_label_names.txt`; alphabetical).
    static let fineNames = """
        apple aquarium_fish baby bear beaver bed bee beetle bicycle bottle bowl boy bridge bus butterfly camel can castle \
        caterpillar cattle chair chimpanzee clock cloud cockroach couch crab crocodile cup dinosaur dolphin elephant flatfish \
        forest fox girl hamster house kangaroo keyboard lamp lawn_mower leopard lion lizard lobster man maple_tree motorcycle \
        mountain mouse mushroom oak_tree orange orchid otter palm_tree pear pickup_truck pine_tree plain plate poppy porcupine \
        possum rabbit raccoon ray road rocket rose sea seal shark shrew skunk skyscraper snail snake spider squirrel streetcar \
        sunflower sweet_pepper table tank telephone television tiger tractor train trout tulip turtle wardrobe whale \
        willow_tree wolf woman worm
        """.split(separator: " ").map(String.init)

    /// CIFAR-100's coarse classes (superclasses) in label order (its `coarse_label_names.txt`; alphabetical).
    static let coarseNames = """
        aquatic_mammals fish flowers food_containers fruit_and_vegetables household_electrical_devices household_furniture \
        insects large_carnivores large_man-made_outdoor_things large_natural_outdoor_scenes large_omnivores_and_herbivores \
        medium_mammals non-insect_invertebrates people reptiles small_mammals trees vehicles_1 vehicles_2
        """.split(separator: " ").map(String.init)
}

extension DatasetFormat {
    /// CIFAR-10's binary version (`CIFARBinary.cifar10`).
    public static let cifar10 = CIFARBinary.cifar10.format
    /// CIFAR-100's binary version (`CIFARBinary.cifar100`); `DatasetReadOptions.label` "fine" (default) or "coarse".
    public static let cifar100 = CIFARBinary.cifar100.format
}
