#!/usr/bin/python3
"""Convert face-api's FaceRecognitionNet (dlib ResNet-34-style, 128-d) from TF.js weights to ONNX.

Run with Debian's /usr/bin/python3 (python3-onnx, python3-numpy). The architecture follows
@vladmandic/face-api src/faceRecognitionNet/*.ts: conv+bias then a per-channel scale layer
(folded here into the conv), residual blocks, residual-down blocks whose shortcut is a 2x2
average pool zero-padded in channels, global average pool and a 256x128 matrix.

Input  `input`     1x3x150x150 float RGB 0..255 (a dlib-style 150x150 face chip)
Output `embedding` 1x128 (not normalised)

usage: convert_faceapi.py MANIFEST.json WEIGHTS.bin OUT.onnx
"""
import json
import os
import sys

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper

MEAN_RGB = [122.782, 117.001, 104.298]


def load_weights(manifest_path, bin_path):
    manifest = json.load(open(manifest_path))
    data = open(bin_path, "rb").read()
    out, off = {}, 0
    for group in manifest:
        for w in group["weights"]:
            n = int(np.prod(w["shape"]))
            q = w.get("quantization")
            if q:
                # TF.js affine uint8 quantisation: value = min + q * scale
                assert q["dtype"] == "uint8", q
                raw = np.frombuffer(data, np.uint8, n, off).astype(np.float32)
                off += n
                val = raw * np.float32(q["scale"]) + np.float32(q["min"])
            else:
                val = np.frombuffer(data, np.float32, n, off).copy()
                off += 4 * n
            out[w["name"]] = val.reshape(w["shape"]).astype(np.float32)
    assert off == len(data), (off, len(data))
    return out


class Builder:
    def __init__(self, w):
        self.w, self.nodes, self.inits, self.k = w, [], [], 0

    def name(self, base):
        self.k += 1
        return f"{base}_{self.k}"

    def const(self, arr, base="c"):
        n = self.name(base)
        self.inits.append(numpy_helper.from_array(np.asarray(arr), n))
        return n

    def op(self, op_type, inputs, **attrs):
        out = self.name(op_type.lower())
        self.nodes.append(helper.make_node(op_type, inputs, [out], **attrs))
        return out

    def conv(self, x, prefix, stride, relu, same):
        f = self.w[f"{prefix}/conv/filters"]            # HWIO
        b = self.w[f"{prefix}/conv/bias"]
        s = self.w[f"{prefix}/scale/weights"]
        t = self.w[f"{prefix}/scale/biases"]
        # (conv(x, W) + b) * s + t  ==  conv(x, W * s) + (b * s + t)
        wt = np.transpose(f, (3, 2, 0, 1)) * s[:, None, None, None]
        bias = b * s + t
        kh = f.shape[0]
        pad = kh // 2 if same else 0      # TF 'same' with stride 1 and odd kernels
        y = self.op("Conv", [x, self.const(wt.astype(np.float32), "W"), self.const(bias.astype(np.float32), "B")],
                    kernel_shape=[kh, kh], strides=[stride, stride], pads=[pad] * 4)
        return self.op("Relu", [y]) if relu else y

    def residual(self, x, prefix):
        y = self.conv(x, f"{prefix}/conv1", 1, True, True)
        y = self.conv(y, f"{prefix}/conv2", 1, False, True)
        return self.op("Relu", [self.op("Add", [y, x])])

    def residual_down(self, x, prefix, in_hw, in_c):
        y = self.conv(x, f"{prefix}/conv1", 2, True, False)
        y = self.conv(y, f"{prefix}/conv2", 1, False, True)
        out_c = self.w[f"{prefix}/conv2/conv/filters"].shape[3]
        conv_hw = (in_hw - 3) // 2 + 1
        pool_hw = in_hw // 2
        pooled = self.op("AveragePool", [x], kernel_shape=[2, 2], strides=[2, 2])
        if pool_hw != conv_hw:
            # face-api appends a zero row and column at the end of the conv branch
            d = pool_hw - conv_hw
            y = self.op("Pad", [y, self.const(np.array([0, 0, 0, 0, 0, 0, d, d], np.int64), "pads")])
        if out_c != in_c:
            pooled = self.op("Pad", [pooled, self.const(np.array([0, 0, 0, 0, 0, out_c - in_c, 0, 0], np.int64), "pads")])
        return self.op("Relu", [self.op("Add", [pooled, y])]), pool_hw, out_c


def build(w):
    b = Builder(w)
    x = "input"
    mean = np.array(MEAN_RGB, np.float32).reshape(1, 3, 1, 1)
    x = b.op("Div", [b.op("Sub", [x, b.const(mean, "mean")]), b.const(np.array(255.0, np.float32), "s")])
    x = b.conv(x, "conv32_down", 2, True, False)                 # 150 -> 72
    x = b.op("MaxPool", [x], kernel_shape=[3, 3], strides=[2, 2])  # 72 -> 35
    hw, c = 35, 32
    for p in ["conv32_1", "conv32_2", "conv32_3"]:
        x = b.residual(x, p)
    x, hw, c = b.residual_down(x, "conv64_down", hw, c)
    for p in ["conv64_1", "conv64_2", "conv64_3"]:
        x = b.residual(x, p)
    x, hw, c = b.residual_down(x, "conv128_down", hw, c)
    for p in ["conv128_1", "conv128_2"]:
        x = b.residual(x, p)
    x, hw, c = b.residual_down(x, "conv256_down", hw, c)
    for p in ["conv256_1", "conv256_2"]:
        x = b.residual(x, p)
    x, hw, c = b.residual_down(x, "conv256_down_out", hw, c)
    x = b.op("GlobalAveragePool", [x])
    x = b.op("Flatten", [x], axis=1)
    fc = w["fc"]
    b.nodes.append(helper.make_node("MatMul", [x, b.const(fc.astype(np.float32), "fc")], ["embedding"]))
    graph = helper.make_graph(
        b.nodes, "faceapi_resnet128",
        [helper.make_tensor_value_info("input", TensorProto.FLOAT, [1, 3, 150, 150])],
        [helper.make_tensor_value_info("embedding", TensorProto.FLOAT, [1, 128])],
        b.inits)
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 11)],
                              producer_name="argus convert_faceapi.py")
    model.ir_version = 6
    onnx.checker.check_model(model)
    return model


def main():
    if len(sys.argv) != 4:
        print(__doc__, file=sys.stderr)
        return 2
    w = load_weights(sys.argv[1], sys.argv[2])
    model = build(w)
    tmp = sys.argv[3] + ".tmp"
    onnx.save(model, tmp)
    os.replace(tmp, sys.argv[3])
    print(f"convert_faceapi: wrote {sys.argv[3]} ({len(model.graph.node)} nodes)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
