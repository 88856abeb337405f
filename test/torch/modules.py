"""Runs the PyTorch modules lossc generated (test/torch-module.test.ts): a loss's value and
autograd gradients in float32 or float64, torch.autograd.gradcheck in float64, and the same
request through torch's own functions (functional.py) for comparison. The modules are
imported from LOSSC_PY_DIR (the compiler's backward pass) and LOSSC_PY_AUTOGRAD_DIR
(compiled with --autodiff: torch's autograd through every op)."""

import importlib.util
import os
import sys

import torch

import functional
from protocol import from_tensor, serve, to_tensor

_modules = {}


def module(directory, name):
    key = (directory, name)
    if key not in _modules:
        if directory not in sys.path:
            sys.path.insert(0, directory)
        spec = importlib.util.spec_from_file_location(name + "_" + str(len(_modules)), os.path.join(directory, name + ".py"))
        mod = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(mod)
        _modules[key] = mod
    return _modules[key]


def loss_of(request):
    directory = os.environ["LOSSC_PY_AUTOGRAD_DIR" if request.get("autograd") else "LOSSC_PY_DIR"]
    mod = module(directory, request["module"])
    # By position in __all__ (a function and its nn.Module per loss) when a name may have
    # been changed to be a Python identifier.
    return getattr(mod, mod.__all__[2 * request["index"]] if "index" in request else request["loss"])


def call(request, dtype):
    f = loss_of(request)
    inputs = {k: to_tensor(v, dtype) for k, v in request["inputs"].items()}
    options = dict(request.get("options", {}))
    if request.get("checkValues") is False:
        options["checkValues"] = False
    if request.get("weights") is not None:
        options["weights"] = to_tensor(request["weights"], dtype)
    positional = request["positional"]
    lists = set(request.get("lists", []))
    if lists:
        # A list input (list[K] of ...) is passed as its elements, split off the stacked tensor.
        whole = f

        def f(*args, **kw):
            return whole(*[list(a.unbind(0)) if k in lists else a for k, a in zip(positional, args)], **kw)

    return f, inputs, options, positional


def value_and_grads(request):
    out = {}
    for dtype_name in request["dtypes"]:
        f, inputs, options, positional = call(request, getattr(torch, dtype_name))
        wrt = [inputs[k].requires_grad_() for k in request["wrt"]]
        value = f(*[inputs[k] for k in positional], **options, **{k: inputs[k] for k in request.get("optional", [])})
        cotangent = to_tensor(request["cotangent"], value.dtype) if request.get("cotangent") is not None else torch.ones_like(value)
        grads = torch.autograd.grad((value * cotangent).sum(), wrt, allow_unused=True) if wrt else []
        out[dtype_name] = {
            "value": from_tensor(value),
            "dtype": str(value.dtype),
            "grads": {k: from_tensor(g if g is not None else torch.zeros_like(inputs[k])) for k, g in zip(request["wrt"], grads)},
        }
    return out


def gradcheck(request):
    f, inputs, options, positional = call(request, torch.float64)
    wrt = request["wrt"]

    def g(*ts):
        args = dict(inputs)
        args.update(zip(wrt, ts))
        return f(*[args[k] for k in positional], **options, **{k: args[k] for k in request.get("optional", [])})

    ok = torch.autograd.gradcheck(g, tuple(inputs[k].requires_grad_() for k in wrt), eps=1e-6, atol=1e-5, rtol=1e-3, raise_exception=True)
    return {"ok": bool(ok)}


def error(request):
    """The exception a call raises, as its type and message (None when it does not raise)."""
    f, inputs, options, positional = call(request, torch.float32)
    try:
        f(*[inputs[k] for k in positional], **options)
    except (TypeError, ValueError) as e:
        return {"type": type(e).__name__, "message": str(e)}
    return None


def perceptual(request):
    """perceptual with a torch feature extractor returning two maps, against the mean of their MSEs."""
    mod = module(os.environ["LOSSC_PY_DIR"], "generative")
    torch.manual_seed(0)
    conv = torch.nn.Conv2d(3, 5, 3)
    features = lambda x: [conv(x), torch.relu(conv(x))[:, :2]]
    p = torch.randn(2, 3, 6, 6, requires_grad=True)
    t = torch.randn(2, 3, 6, 6)
    got = mod.perceptual(p, t, features)
    (g,) = torch.autograd.grad(got, p)
    p2 = p.detach().clone().requires_grad_()
    want = sum(torch.nn.functional.mse_loss(a, b) for a, b in zip(features(p2), features(t))) / 2
    (w,) = torch.autograd.grad(want, p2)
    as_module = mod.PerceptualLoss()(p, t, features)
    return {"value": got.item(), "want": want.item(), "module": as_module.item(), "grad": (g - w).abs().max().item()}


def on_meta(request):
    """The loss and its gradients on the meta device (a stand-in for a GPU: a tensor the loss
    made on the CPU would meet the inputs there and raise): the devices of both."""
    f, inputs, options, positional = call(request, torch.float32)
    inputs = {k: v.to("meta") for k, v in inputs.items()}
    wrt = [inputs[k].requires_grad_() for k in request["wrt"]]
    value = f(*[inputs[k] for k in positional], checkValues=False, **options, **{k: inputs[k] for k in request.get("optional", [])})
    grads = torch.autograd.grad(value.sum(), wrt, allow_unused=True) if wrt else []
    return {"value": str(value.device), "grads": sorted({str(g.device) for g in grads if g is not None})}


def double_backward(request):
    """Gradients of a gradient (mse): refused with a message by the derived backward pass,
    equal to torch's own by the --autodiff build."""
    torch.manual_seed(0)
    x, t = torch.randn(3, 2, dtype=torch.float64, requires_grad=True), torch.randn(3, 2, dtype=torch.float64)
    refused = None
    try:
        torch.autograd.grad(module(os.environ["LOSSC_PY_DIR"], "regression").mse(x, t), x, create_graph=True)
    except RuntimeError as e:
        refused = str(e)
    mse = module(os.environ["LOSSC_PY_AUTOGRAD_DIR"], "regression").mse

    def second(f):
        (g,) = torch.autograd.grad(f(x, t), x, create_graph=True)
        (h,) = torch.autograd.grad((g * g).sum(), x)
        return h

    return {"refused": refused, "difference": (second(mse) - second(torch.nn.functional.mse_loss)).abs().max().item()}


def half(request):
    """A loss of float16 and bfloat16 inputs: computed in float32 (the value of the rounded inputs
    in float32), its gradient in the input's dtype."""
    out = {}
    for dtype in (torch.float16, torch.bfloat16):
        f, inputs, options, positional = call(request, torch.float32)
        low = {k: (v.to(dtype) if v.is_floating_point() else v) for k, v in inputs.items()}
        wrt = [low[k].requires_grad_() for k in request["wrt"]]
        value = f(*[low[k] for k in positional], **options)
        (g,) = torch.autograd.grad(value.sum(), wrt[:1])
        want = f(*[(low[k].detach().float() if low[k].is_floating_point() else low[k]) for k in positional], **options)
        out[str(dtype)] = {"dtype": str(value.dtype), "grad": str(g.dtype), "difference": (value.detach() - want).abs().max().item()}
    return out


def handle(request):
    kind = request.get("kind", "module")
    if kind == "half":
        return half(request)
    if kind == "double":
        return double_backward(request)
    if kind == "meta":
        return on_meta(request)
    if kind == "error":
        return error(request)
    if kind == "perceptual":
        return perceptual(request)
    if kind == "functional":
        return functional.handle(request)
    if kind == "gradcheck":
        return gradcheck(request)
    return value_and_grads(request)


if __name__ == "__main__":
    serve(handle)
