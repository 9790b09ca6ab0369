/// The subset of ONNX's protobuf messages (onnx/onnx.proto3) that an exported Descent model
/// uses, each with the field numbers of that file, encoded by `ProtobufWriter`:
///
/// ```
/// ModelProto      ir_version 1, producer_name 2, producer_version 3, doc_string 6, graph 7, opset_import 8
/// OperatorSetId   domain 1, version 2
/// GraphProto      node 1, name 2, initializer 5, doc_string 10, input 11, output 12
/// NodeProto       input 1, output 2, name 3, op_type 4, attribute 5
/// AttributeProto  name 1, f 2, i 3, ints 8, s 4, type 20 (FLOAT 1, INT 2, STRING 3, INTS 7)
/// TensorProto     dims 1, data_type 2 (FLOAT 1, INT64 7), float_data 4, int64_data 7, name 8
/// ValueInfoProto  name 1, type 2, doc_string 3;  TypeProto.tensor_type 1: elem_type 1, shape 2
/// TensorShapeProto dim 1: dim_value 1 | dim_param 2
/// ```
public enum ONNX {
    /// The ONNX opset the exporter writes (operators as defined in opset 17).
    public static let opset = 17
    /// The IR version that goes with opset 17 (ONNX 1.12).
    public static let irVersion = 8

    /// An attribute of a node: an integer, a float, integers or a string.
    public enum Attribute {
        case int(Int), float(Float), ints([Int]), string(String)
    }

    /// One operator application: `outputs = opType(inputs)`.
    public struct Node {
        public var opType: String
        public var name: String
        public var inputs: [String]
        public var outputs: [String]
        public var attributes: [(String, Attribute)]

        public init(_ opType: String, name: String, inputs: [String], outputs: [String], attributes: [(String, Attribute)] = []) {
            (self.opType, self.name, self.inputs, self.outputs, self.attributes) = (opType, name, inputs, outputs, attributes)
        }

        func encode(_ w: inout ProtobufWriter) {
            for i in inputs { w.string(1, i) }
            for o in outputs { w.string(2, o) }
            w.string(3, name)
            w.string(4, opType)
            for (name, value) in attributes {
                w.message(5) { a in
                    a.string(1, name)
                    switch value {
                    case .float(let f): a.float(2, f); a.int(20, 1)
                    case .int(let i): a.int(3, i); a.int(20, 2)
                    case .string(let s): a.string(4, s); a.int(20, 3)
                    case .ints(let v): a.packedInts(8, v); a.int(20, 7)
                    }
                }
            }
        }
    }

    /// A constant of the graph (weights, shapes, scales): float32 or int64 values.
    public struct Initializer {
        public enum Values { case floats([Float]), ints([Int]) }
        public var name: String
        public var dims: [Int]
        public var values: Values

        public init(name: String, dims: [Int], values: Values) { (self.name, self.dims, self.values) = (name, dims, values) }

        func encode(_ w: inout ProtobufWriter) {
            if !dims.isEmpty { w.packedInts(1, dims) }
            switch values {
            case .floats(let v):
                w.int(2, 1)
                v.withUnsafeBufferPointer { w.packedFloats(4, $0) }
            case .ints(let v):
                w.int(2, 7)
                w.packedInts(7, v)
            }
            w.string(8, name)
        }
    }

    /// A float32 graph input or output: its name, shape (nil: a symbolic dimension named
    /// `batchName`) and what it holds.
    public struct ValueInfo {
        public var name: String
        public var shape: [Int?]
        public var doc: String

        func encode(_ w: inout ProtobufWriter, batchName: String) {
            w.string(1, name)
            w.message(2) { t in
                t.message(1) { tensor in
                    tensor.int(1, 1)
                    tensor.message(2) { s in
                        for d in shape {
                            s.message(1) { dim in
                                if let d { dim.int(1, d) } else { dim.string(2, batchName) }
                            }
                        }
                    }
                }
            }
            w.string(3, doc)
        }
    }

    /// A whole model: one graph, its inputs, outputs and constants.
    public struct Model {
        public var graphName: String
        public var doc: String
        public var nodes: [Node] = []
        public var initializers: [Initializer] = []
        public var inputs: [ValueInfo] = []
        public var outputs: [ValueInfo] = []
        /// The name of the symbolic batch dimension of inputs and outputs.
        public var batchName = "N"

        public init(graphName: String, doc: String) { (self.graphName, self.doc) = (graphName, doc) }

        /// The serialized ModelProto (the bytes of a `.onnx` file).
        public func serialized(producerVersion: String) -> [UInt8] {
            var w = ProtobufWriter()
            w.int(1, irVersion)
            w.string(2, "descent")
            w.string(3, producerVersion)
            w.string(6, doc)
            w.message(7) { g in
                for n in nodes { g.message(1) { n.encode(&$0) } }
                g.string(2, graphName)
                for i in initializers { g.message(5) { i.encode(&$0) } }
                for i in inputs { g.message(11) { i.encode(&$0, batchName: batchName) } }
                for o in outputs { g.message(12) { o.encode(&$0, batchName: batchName) } }
            }
            w.message(8) { o in
                o.string(1, "")
                o.int(2, opset)
            }
            return w.bytes
        }
    }
}
