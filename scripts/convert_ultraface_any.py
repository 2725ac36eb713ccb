#!/usr/bin/python3
"""Make an any-input-size copy of UltraFace RFB-320 (fr_detect.onnx).

The npm export decodes boxes inside the graph with priors baked in for 320x240, so it only
runs at that size; the convolutional part does not care. This keeps the graph up to the raw
outputs (before box decoding), makes the input's height and width free, and leaves decoding
(priors for the actual size) to src/vision/ultraface_detector.cpp. One pass over a whole
frame at the scale small faces need then replaces many 320x240 tiles (docs/models.md).

Run with Debian's /usr/bin/python3 (python3-onnx).

Input   `input`   1x3xHxW float RGB (x - 127) / 128, H and W multiples of 8 (any)
Outputs `scores`  1xNx2 softmax (background, face)
        `loc`     1xNx4 raw offsets (cx, cy, w, h), variances 0.1 / 0.2

usage: convert_ultraface_any.py fr_detect.onnx OUT.onnx
"""
import sys

import onnx
from onnx import TensorProto, helper


def main(src, dst):
    m = onnx.load(src)
    g = m.graph
    softmax = [n for n in g.node if n.op_type == "Softmax"]
    if len(softmax) != 1 or softmax[0].output[0] != "scores":
        sys.exit("convert_ultraface_any: unexpected graph (one Softmax producing 'scores' expected)")
    # The raw location tensor: the Concat (axis 1) that feeds the decoding's first Slice.
    producers = {o: n for n in g.node for o in n.output}
    loc = None
    for n in g.node:
        if n.op_type == "Slice" and n.input[0] in producers and producers[n.input[0]].op_type == "Concat":
            loc = n.input[0]
            break
    if loc is None:
        sys.exit("convert_ultraface_any: raw location output not found")

    # Keep what `scores` and the raw locations need; rename the latter `loc`.
    need, keep = {"scores", loc}, []
    for n in reversed(g.node):
        if any(o in need for o in n.output):
            keep.append(n)
            need.update(n.input)
    keep.reverse()
    for n in keep:
        n.output[:] = ["loc" if o == loc else o for o in n.output]
    del g.node[:]
    g.node.extend(keep)
    used = {i for n in g.node for i in n.input}
    inits = [i for i in g.initializer if i.name in used]
    del g.initializer[:]
    g.initializer.extend(inits)
    del g.value_info[:]
    del g.output[:]
    g.output.extend([helper.make_tensor_value_info("scores", TensorProto.FLOAT, [1, "N", 2]),
                     helper.make_tensor_value_info("loc", TensorProto.FLOAT, [1, "N", 4])])
    dims = g.input[0].type.tensor_type.shape.dim
    dims[2].ClearField("dim_value")
    dims[2].dim_param = "H"
    dims[3].ClearField("dim_value")
    dims[3].dim_param = "W"
    onnx.checker.check_model(m)
    onnx.save(m, dst)


if __name__ == "__main__":
    if len(sys.argv) != 3:
        sys.exit(__doc__)
    main(sys.argv[1], sys.argv[2])
