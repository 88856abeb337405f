"""The JSON protocol the torch test drivers speak with test/helpers/torch.ts: one request per
line on stdin, one answer per line on stdout, matched by "id". Tensors travel as
{"shape": [...], "data": [...], "dtype": "float" | "int" | "bool"}; a number that JSON cannot
hold (NaN, ±Infinity) travels as the string "NaN", "Infinity" or "-Infinity"."""

import json
import math
import sys
import traceback

import torch

torch.set_num_threads(1)


def decode_number(v):
    if isinstance(v, str):
        return {"NaN": math.nan, "Infinity": math.inf, "-Infinity": -math.inf}[v]
    return v


def encode_number(v):
    v = float(v)
    if math.isnan(v):
        return "NaN"
    if math.isinf(v):
        return "Infinity" if v > 0 else "-Infinity"
    return v


def to_tensor(t, float_dtype):
    data = [decode_number(v) for v in t["data"]]
    kind = t.get("dtype", "float")
    if kind == "int":
        return torch.tensor(data, dtype=torch.int64).reshape(t["shape"])
    if kind == "bool":
        return torch.tensor(data, dtype=torch.bool).reshape(t["shape"])
    return torch.tensor(data, dtype=float_dtype).reshape(t["shape"])


def from_tensor(t):
    t = t.detach()
    return {"shape": list(t.shape), "data": [encode_number(v) for v in t.double().reshape(-1).tolist()]}


def serve(handle):
    """Answers each request line with handle(request) until stdin closes."""
    for line in sys.stdin:
        if not line.strip():
            continue
        request = json.loads(line)
        try:
            answer = {"id": request["id"], "result": handle(request)}
        except Exception as e:  # the test reports it with the case that caused it
            answer = {"id": request["id"], "error": f"{type(e).__name__}: {e}", "trace": traceback.format_exc()}
        sys.stdout.write(json.dumps(answer) + "\n")
        sys.stdout.flush()
