import Graph
import KerasIO
import XCTest

/// How attention calls are read from both writers' inbound nodes and converted between them.
final class AttentionConfigTests: XCTestCase {
    private func tensor(_ layer: String, _ shape: String) -> String {
        #"{"class_name": "__keras_tensor__", "config": {"shape": \#(shape), "dtype": "float32", "keras_history": ["\#(layer)", 0, 0]}}"#
    }

    /// A Keras 3 config calling MultiHeadAttention by keywords only (`query=`, `value=`, `attention_mask=`,
    /// `use_causal_mask=`), and its tf-keras conversion (query as the node's tensor, the rest as kwargs
    /// `[layer, node, tensor]`, the input shapes tf-keras rebuilds from): both bind the same call.
    func testKeywordCallReadInBothGenerations() throws {
        let q = tensor("q", "[null, 5, 4]"), m = tensor("m", "[null, 5, 5]")
        let input = { (n: String, s: String) in
            #"{"class_name": "InputLayer", "name": "\#(n)", "config": {"name": "\#(n)", "batch_shape": [null, \#(s)]}, "inbound_nodes": []}"#
        }
        let k3 = #"""
        {"class_name": "Functional", "config": {"name": "f", "layers": [\#(input("q", "5, 4")), \#(input("m", "5, 5")),
          {"class_name": "MultiHeadAttention", "name": "mha", "config": {"name": "mha", "num_heads": 2, "key_dim": 3, "use_gate": false},
           "inbound_nodes": [{"args": [], "kwargs": {"query": \#(q), "value": \#(q), "attention_mask": \#(m), "use_causal_mask": true}}]}],
          "input_layers": [["q", 0, 0], ["m", 0, 0]], "output_layers": [["mha", 0, 0]]}}
        """#
        let model = try ModelConfigParser(file: "k3").parse(text: k3)
        let node = try XCTUnwrap(model.graph.node(named: "mha"))
        XCTAssertEqual(node.inputs.count, 3)
        XCTAssertEqual(node.outputShape, [5, 4])
        let tf = KerasConfigConversion.toTFKeras(try JSONParser().parse(k3))
        let mha = try XCTUnwrap(tf["config"]?["layers"]?.arrayValue?[2])
        let entry = try XCTUnwrap(mha["inbound_nodes"]?.arrayValue?.first?.arrayValue?.first?.arrayValue)
        XCTAssertEqual(entry[0].stringValue, "q")
        XCTAssertEqual(entry[3]["value"]?.arrayValue?.first?.stringValue, "q")
        XCTAssertEqual(entry[3]["attention_mask"]?.arrayValue?.first?.stringValue, "m")
        XCTAssertEqual(entry[3]["use_causal_mask"]?.boolValue, true)
        XCTAssertEqual(mha["config"]?["query_shape"]?.serialized(), "[null, 5, 4]")
        XCTAssertNil(mha["config"]?["use_gate"])
        let back = try ModelConfigParser(file: "tf", dialect: .legacy).parse(json: tf)
        XCTAssertEqual(back.graph.node(named: "mha")?.inputs.count, 3)
        // Written back for Keras 3, the kwargs tensors are Keras 3 tensors again, and tf-keras' extra keys go.
        let again = KerasConfigConversion.toKeras3(tf)
        let node3 = try XCTUnwrap(again["config"]?["layers"]?.arrayValue?[2])
        XCTAssertEqual(node3["inbound_nodes"]?.arrayValue?.first?["kwargs"]?["value"]?["class_name"]?.stringValue, "__keras_tensor__")
        XCTAssertNil(node3["config"]?["query_shape"])
        XCTAssertEqual(try ModelConfigParser(file: "k3").parse(json: again).graph.node(named: "mha")?.inputs.count, 3)
    }

    /// Keras 2.13–2.15 write a TFOpLambda's node as one flat `[layer, node, tensor, {kwargs}]`, its second
    /// operand a tensor in the kwargs (a real file, AllaudinAli/ECG-Signal-Classification, has them around
    /// its MultiHeadAttention): read as a call on both tensors, the layer listed (it holds TF code).
    func testFlatTFOpLambdaNode() throws {
        let text = #"""
        {"class_name": "Functional", "config": {"name": "f", "layers": [
          {"class_name": "InputLayer", "name": "x", "config": {"name": "x", "batch_input_shape": [null, 4]}, "inbound_nodes": []},
          {"class_name": "Dense", "name": "d", "config": {"name": "d", "units": 4}, "inbound_nodes": [[["x", 0, 0, {}]]]},
          {"class_name": "TFOpLambda", "name": "tf.__operators__.add", "config": {"name": "tf.__operators__.add", "function": "__operators__.add"},
           "inbound_nodes": [["d", 0, 0, {"y": ["x", 0, 0], "name": null}]]}],
          "input_layers": [["x", 0, 0]], "output_layers": [["tf.__operators__.add", 0, 0]]}}
        """#
        let model = try ModelConfigParser(file: "k2", dialect: .legacy).parse(text: text)
        XCTAssertEqual(model.graph.node(named: "tf.__operators__.add")?.inputs.count, 2)
    }
}
