#!/usr/bin/python3
"""Rewrite PRelu as branch-free element-wise ops, for ONNX Runtime's CPU provider.

ORT (npm 0.4.9) runs a PRelu whose slope is per channel (shape Cx1x1) as a scalar loop with a
data-dependent branch (x < 0 ? x * s : x). On real faces the sign of the activations is close
to random, so the branch mispredicts about every other element: in fr_feature (MobileFaceNet,
33 PRelu) that loop took about a third of the run (perf, docs/models.md). The same function as

    PRelu(x, s) = Relu(x) + s * Min(x, 0)

is four vectorised passes without branches. Slopes here are of either sign and above 1, so the
shorter Max(x, s * x) (valid only for 0 <= s <= 1) is not used. Outputs are equal up to float
rounding (one rounding of the Add).

--free-batch also makes the batch dimension free (input and output dim 0, and a final Reshape
to [1, -1] becomes [-1, D]), so several faces go through in one call (fr_feature: the embedder
batches the faces of a frame).

Run with Debian's /usr/bin/python3 (python3-onnx, python3-numpy).

usage: convert_prelu.py IN.onnx OUT.onnx [--free-batch]
"""
import sys

import numpy as np
import onnx
from onnx import helper, numpy_helper


def free_batch_dim(m):
    g = m.graph
    if len(g.input) != 1 or len(g.output) != 1:
        sys.exit("convert_prelu: --free-batch wants one input and one output")
    out_dim = g.output[0].type.tensor_type.shape.dim
    if len(out_dim) != 2 or not out_dim[1].dim_value:
        sys.exit("convert_prelu: --free-batch wants an N x D output")
    inits = {i.name: i for i in g.initializer}
    for n in g.node:
        if n.op_type == "Reshape" and n.input[1] in inits:
            shape = numpy_helper.to_array(inits[n.input[1]])
            if shape.tolist() != [1, -1]:
                sys.exit(f"convert_prelu: --free-batch does not know Reshape to {shape.tolist()}")
            users = [u for u in g.node if n.input[1] in u.input]
            if len(users) != 1:
                sys.exit("convert_prelu: --free-batch: the Reshape's shape is shared")
            fixed = numpy_helper.from_array(np.array([-1, out_dim[1].dim_value], dtype=np.int64), n.input[1])
            inits[n.input[1]].CopyFrom(fixed)
        elif n.op_type in ("Reshape", "Flatten", "Gemm", "MatMul", "Shape"):
            sys.exit(f"convert_prelu: --free-batch does not handle {n.op_type}")
    for v in (g.input[0], g.output[0]):
        d = v.type.tensor_type.shape.dim[0]
        d.ClearField("dim_value")
        d.dim_param = "N"
    del g.value_info[:]  # shapes inferred for batch 1; ORT infers them again


def main(src, dst, free_batch=False):
    m = onnx.load(src)
    g = m.graph
    consts = {i.name for i in g.initializer}
    zero = "prelu_rewrite_zero"
    g.initializer.append(numpy_helper.from_array(np.zeros((), dtype=np.float32), zero))
    nodes = []
    rewritten = 0
    for n in g.node:
        if n.op_type != "PRelu" or n.input[1] not in consts:
            nodes.append(n)
            continue
        x, s, y = n.input[0], n.input[1], n.output[0]
        base = f"prelu_rewrite_{rewritten}"
        nodes += [
            helper.make_node("Relu", [x], [base + "_pos"], name=base + "_relu"),
            helper.make_node("Min", [x, zero], [base + "_neg"], name=base + "_min"),
            helper.make_node("Mul", [base + "_neg", s], [base + "_scaled"], name=base + "_mul"),
            helper.make_node("Add", [base + "_pos", base + "_scaled"], [y], name=base + "_add"),
        ]
        rewritten += 1
    if rewritten == 0:
        sys.exit(f"convert_prelu: no PRelu with a constant slope in {src}")
    del g.node[:]
    g.node.extend(nodes)
    if free_batch:
        free_batch_dim(m)
    onnx.checker.check_model(m)
    onnx.save(m, dst)
    print(f"convert_prelu: {rewritten} PRelu rewritten -> {dst}")


if __name__ == "__main__":
    args = [a for a in sys.argv[1:] if a != "--free-batch"]
    if len(args) != 2:
        sys.exit(__doc__)
    main(args[0], args[1], free_batch="--free-batch" in sys.argv[1:])
