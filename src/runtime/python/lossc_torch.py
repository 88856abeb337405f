"""lossc's runtime for the PyTorch modules it generates (lossc compile --target pytorch).

A generated module is the same lowering as the TensorFlow.js one, read as Python: it calls
the TensorFlow.js kernels the lowering speaks (each mapped to torch by the compiler's table,
src/emit/pytorch-kernels.ts, either a torch function or one below that keeps the tfjs
semantics torch lacks: axis lists, keepDims, reductions over no axis), the Python versions of
the module helpers of src/runtime/helpers.ts (same names, same messages), and a few
JavaScript operations the argument checks use. Written next to the modules; do not edit.

Real tensors are float32 unless a float64 tensor is passed (torch.autograd.gradcheck runs in
float64): the float dtype of a call is the widest floating dtype among its tensor arguments,
and every scalar and fill the loss makes has it, on the device of its first tensor argument.
Class indices are int64, torch's.
"""

import contextlib
import contextvars
import math
import numbers
import re
import struct

import torch

__all__ = []

_FLOAT = contextvars.ContextVar("lossc_float", default=torch.float32)
_DEVICE = contextvars.ContextVar("lossc_device", default=None)


def float_dtype():
    return _FLOAT.get()


@contextlib.contextmanager
def floats_of(*values):
    """The float dtype and device of a call: float64 when a floating tensor among `values` is
    float64; the device of the first tensor (the tensors the loss makes go there too)."""
    dtype, device = torch.float32, None
    # A list input's elements count as the tensors they are.
    values = [x for v in values for x in (v if isinstance(v, (list, tuple)) else [v])]
    for v in values:
        if isinstance(v, torch.Tensor):
            device = v.device if device is None else device
            if v.is_floating_point() and v.dtype == torch.float64:
                dtype = torch.float64
    tokens = (_FLOAT.set(dtype), _DEVICE.set(device))
    try:
        yield dtype
    finally:
        _FLOAT.reset(tokens[0])
        _DEVICE.reset(tokens[1])


def widened(v):
    """A float16 or bfloat16 tensor as float32 (its gradient flows back in its own dtype): losses
    run in float32 at least, as torch.autocast runs its own (exp overflows float16 above 11)."""
    if isinstance(v, torch.Tensor) and v.dtype in (torch.float16, torch.bfloat16):
        return v.float()
    if isinstance(v, (list, tuple)) and any(isinstance(x, torch.Tensor) for x in v):
        return [widened(x) for x in v]
    return v


def _dtype(name="float32"):
    if name == "float32":
        return _FLOAT.get()
    return torch.bool if name == "bool" else torch.int64


# --- JavaScript operations of the argument checks -------------------------------------------

def js_typeof(v):
    if v is None:
        return "undefined"
    if isinstance(v, bool):
        return "boolean"
    if isinstance(v, numbers.Real) and not isinstance(v, torch.Tensor):
        return "number"
    if isinstance(v, str):
        return "string"
    if callable(v) and not isinstance(v, torch.nn.Module):
        return "function"
    return "object"


def js_str(v):
    """String(v) as JavaScript writes it: 1 for 1.0, 1e-7, Infinity, NaN, true."""
    if v is None:
        return "undefined"
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, str):
        return v
    if isinstance(v, (list, tuple)):
        return ",".join(js_str(x) for x in v)
    if isinstance(v, torch.Tensor):
        return "a torch.Tensor" if v.numel() != 1 else js_str(v.item())
    if isinstance(v, numbers.Integral):
        return str(int(v))
    if isinstance(v, numbers.Real):
        f = float(v)
        if math.isnan(f):
            return "NaN"
        if math.isinf(f):
            return "Infinity" if f > 0 else "-Infinity"
        if f.is_integer() and abs(f) < 1e21:
            return str(int(f))
        text = repr(f)
        return re.sub(r"e([+-])0*(\d)", lambda m: "e" + m.group(1) + m.group(2), text) if "e" in text else text
    return str(v)


def js_number(v):
    if isinstance(v, bool):
        return 1 if v else 0
    return v


def js_join(values, sep):
    return sep.join(js_str(v) for v in values)


def is_integer(v):
    return isinstance(v, numbers.Real) and not isinstance(v, bool) and math.isfinite(float(v)) and float(v).is_integer()


def is_nan(v):
    return isinstance(v, numbers.Real) and not isinstance(v, bool) and math.isnan(float(v))


def as_list(v):
    return list(v) if isinstance(v, (list, tuple)) else [v]


def leading_part(w, s):
    return len(w) <= len(s) and all(d == s[i] or d == 1 for i, d in enumerate(w))


def product(values):
    out = 1
    for v in values:
        out *= v
    return out


def data_sync(t):
    return t.detach().reshape(-1).tolist()


# --- tensor properties, as tfjs names them --------------------------------------------------

def rank(x):
    return x.dim()


def shape(x):
    return list(x.shape)


def size(x):
    return x.numel()


def dtype(x):
    """The tfjs kind of a tensor's dtype: float32 for any floating dtype, int32 for any integer one."""
    if x.dtype == torch.bool:
        return "bool"
    return "float32" if x.is_floating_point() else "int32" if not x.is_complex() else str(x.dtype)


# --- kernels whose tfjs semantics torch does not have as such --------------------------------

def scalar(v, dtype_name="float32"):
    return torch.tensor(v, dtype=_dtype(dtype_name), device=_DEVICE.get())


def fill(shape_, v, dtype_name="float32"):
    return torch.full(list(shape_), v, dtype=_dtype(dtype_name), device=_DEVICE.get())


def zeros(shape_):
    return torch.zeros(list(shape_), dtype=_dtype(), device=_DEVICE.get())


def range_(start, stop, step=1, dtype_name="float32"):
    return torch.arange(start, stop, step, dtype=_dtype(dtype_name), device=_DEVICE.get())


def cast(x, dtype_name):
    return x.to(_dtype(dtype_name))


def reshape(x, shape_):
    return x.reshape(list(shape_))


def transpose(x, perm):
    return x.permute(list(perm))


def expand_dims(x, axis=0):
    return x.unsqueeze(axis)


def squeeze(x, axes=None):
    if axes is None:
        return x.squeeze()
    for a in sorted((a % x.dim() for a in axes), reverse=True):
        x = x.squeeze(a)
    return x


def slice_(x, begin, size_):
    index = tuple(slice(b, None if s == -1 else b + s) for b, s in zip(begin, size_))
    return x[index]


def concat(tensors, axis=0):
    return torch.cat(list(tensors), dim=axis)


def broadcast_to(x, shape_):
    return torch.broadcast_to(x, list(shape_))


def gather(x, indices, axis=0):
    """tf.gather: the slices of x along axis at indices, of shape x[:axis] + indices + x[axis + 1:]."""
    axis = axis % x.dim()
    picked = torch.index_select(x, axis, indices.reshape(-1).to(torch.int64))
    return picked.reshape(list(x.shape[:axis]) + list(indices.shape) + list(x.shape[axis + 1:]))


def add_n(tensors):
    out = tensors[0]
    for t in tensors[1:]:
        out = out + t
    return out


def softplus(x):
    # log(1 + e^x) = max(x, 0) + log1p(e^-|x|): exact at every x, in float32 and float64
    # (F.softplus returns x itself above its threshold of 20).
    return torch.relu(x) + torch.log1p(torch.exp(-torch.abs(x)))


def _dims(x, axis):
    if axis is None:
        return tuple(range(x.dim()))
    if isinstance(axis, (list, tuple)):
        return tuple(a % x.dim() for a in axis) if x.dim() > 0 else ()
    return (axis % x.dim(),) if x.dim() > 0 else ()


def _reduce(one, x, axis, keep_dims):
    # One dim at a time, last first, for the reductions torch takes one dim for; over no
    # dims at all (torch would reduce over every dim), the tensor itself.
    dims = _dims(x, axis)
    if not dims:
        return x.clone()
    for d in sorted(dims, reverse=True):
        x = one(x, d, keep_dims)
    return x


def sum_(x, axis=None, keep_dims=False):
    dims = _dims(x, axis)
    if not dims:
        return x.clone() if x.dtype != torch.bool else x.to(torch.int64)
    return torch.sum(x, dim=dims, keepdim=keep_dims)


def mean(x, axis=None, keep_dims=False):
    dims = _dims(x, axis)
    return torch.mean(x, dim=dims, keepdim=keep_dims) if dims else x.clone()


def max_(x, axis=None, keep_dims=False):
    dims = _dims(x, axis)
    return torch.amax(x, dim=dims, keepdim=keep_dims) if dims else x.clone()


def min_(x, axis=None, keep_dims=False):
    dims = _dims(x, axis)
    return torch.amin(x, dim=dims, keepdim=keep_dims) if dims else x.clone()


def prod(x, axis=None, keep_dims=False):
    return _reduce(lambda t, d, k: torch.prod(t, dim=d, keepdim=k), x, axis, keep_dims)


def any_(x, axis=None, keep_dims=False):
    return _reduce(lambda t, d, k: torch.any(t, dim=d, keepdim=k), x, axis, keep_dims)


def all_(x, axis=None, keep_dims=False):
    return _reduce(lambda t, d, k: torch.all(t, dim=d, keepdim=k), x, axis, keep_dims)


def log_sum_exp(x, axis=None, keep_dims=False):
    dims = _dims(x, axis)
    return torch.logsumexp(x, dim=dims, keepdim=keep_dims) if dims else x.clone()


def tidy(f):
    return f()


def dispose(_):
    return None


class _CustomGrad(torch.autograd.Function):
    """tf.customGrad: `f(*inputs, save)` returns {"value", "gradFunc"}; gradFunc(dy, saved)
    returns one gradient per input. The forward runs without autograd; the backward in the
    float dtype and on the device of the forward."""

    @staticmethod
    def forward(ctx, f, dtype, device, *inputs):
        saved = []
        result = f(*inputs, saved.extend)
        ctx.grad_func = result["gradFunc"]
        # A gradFunc that reads nothing saved takes dy alone (JavaScript ignores the rest).
        ctx.arity = ctx.grad_func.__code__.co_argcount
        ctx.dtype, ctx.device = dtype, device
        ctx.save_for_backward(*saved)
        return result["value"]

    @staticmethod
    def backward(ctx, dy):
        # Autograd runs a backward with grad mode on only for create_graph=True: gradients of
        # these gradients would silently miss the backward pass's own dependence on the inputs.
        if torch.is_grad_enabled():
            raise RuntimeError(
                "lossc: the compiler's backward pass of this loss cannot be differentiated again "
                "(create_graph=True, double backward); compile with --autodiff for torch's autograd through every op"
            )
        tokens = (_FLOAT.set(ctx.dtype), _DEVICE.set(ctx.device))
        try:
            with torch.no_grad():
                grads = ctx.grad_func(*[dy, list(ctx.saved_tensors)][: ctx.arity])
        finally:
            _FLOAT.reset(tokens[0])
            _DEVICE.reset(tokens[1])
        return (None, None, None, *grads)


def custom_grad(f):
    return lambda *inputs: _CustomGrad.apply(f, _FLOAT.get(), _DEVICE.get(), *inputs)


# --- the module helpers (src/runtime/helpers.ts) --------------------------------------------

def noGrad(f):
    """f() off autograd: its value has zero gradient (a mask, a shift)."""
    with torch.no_grad():
        return f()


def log1p(x):
    return torch.log1p(x)


def erf(x):
    return torch.erf(x)


def sin(x):
    # torch.sin is accurate at tiny x (tfjs-wasm's is not, hence a helper there).
    return torch.sin(x)


def relu(x):
    # torch.relu keeps NaN (tfjs-wasm's Relu zeroes a NaN with its sign bit set, hence a helper there).
    return torch.relu(x)


def sign(x):
    # torch.sign is right at tiny x (tfjs-wasm's Sign is 0 for |x| up to 1.2e-7, hence a helper there).
    return torch.sign(x)


def lgamma(x):
    return torch.lgamma(x)


def digamma(x):
    return torch.digamma(x)


def trigamma(x):
    return torch.polygamma(1, x)


def tetragamma(x):
    return torch.polygamma(2, x)


def oneHotReal(t, depth, axis=None):
    # A comparison with the positions, not F.one_hot: the same on every device (meta included).
    # The classes last, or at position `axis` of the result; an index outside [0, depth) gives zeros.
    hot = (t.unsqueeze(-1) == torch.arange(depth, device=t.device)).to(_dtype())
    return hot if axis is None else torch.movedim(hot, -1, int(axis))


def oneHotMask(t, depth, axis=None):
    # oneHotReal's comparison, kept as booleans.
    hot = t.unsqueeze(-1) == torch.arange(depth, device=t.device)
    return hot if axis is None else torch.movedim(hot, -1, int(axis))


def takeAlongLast(x, t, shape_, depth):
    xs = torch.broadcast_to(x, list(shape_) + [depth])
    ts = torch.broadcast_to(t.to(torch.int64), list(shape_))
    return torch.gather(xs, -1, ts.unsqueeze(-1)).squeeze(-1)


def sortPositions(key, descending):
    # A stable sort is tf.topk's order: equal keys lowest position first.
    return torch.sort(key.detach(), dim=-1, descending=bool(descending), stable=True).indices


def sortAlongLast(v, key, descending, inverse=False):
    # v in the order that sorts key along the last axis, or put back (inverse); autograd
    # differentiates gather and scatter, each the other's gradient.
    at = sortPositions(key, descending)
    moved = torch.zeros_like(v).scatter(-1, at, v) if inverse else torch.gather(v, -1, at)
    # A line whose key holds NaN has no order: NaN throughout, as the tfjs modules give it.
    nan_line = torch.isnan(key.detach()).any(-1, keepdim=True)
    return torch.where(nan_line, torch.full_like(moved, float("nan")), moved)


def cumsumAlong(x, from_end, reverse):
    dim = x.dim() - int(from_end)
    if reverse:
        return torch.flip(torch.cumsum(torch.flip(x, [dim]), dim), [dim])
    return torch.cumsum(x, dim)


def broadcastFull(x, shape_):
    # x + 0 at the full shape, as tfjs computes it (the cpu backend's matMul with ones is a
    # speed form of the same values).
    return x + torch.zeros(list(shape_), dtype=x.dtype, device=x.device)


def broadcastOperand(x, shape_):
    # torch broadcasts a size-1 dim without a per-element cost: the operand as it is.
    return x


def matMulT(a, b, transposeA, transposeB):
    return torch.matmul(a.transpose(-1, -2) if transposeA else a, b.transpose(-1, -2) if transposeB else b)


def isTensorLike(v):
    if isinstance(v, torch.Tensor) or v is None or isinstance(v, str):
        return False
    if isinstance(v, (bool, numbers.Real, list, tuple)):
        return True
    return type(v).__module__ == "numpy" and hasattr(v, "shape")


def _ragged_at(v, path):
    if not isinstance(v, (list, tuple)) or len(v) == 0:
        return None

    def inner(x):
        return len(x) if isinstance(x, (list, tuple)) else -1

    first = inner(v[0])
    for i, x in enumerate(v):
        n = inner(x)
        if n != first:
            had = "no elements (a number)" if n < 0 else str(n) + " elements"
            had0 = "none (a number)" if first < 0 else str(first)
            return path + "[" + str(i) + "] has " + had + ", but " + path + "[0] has " + had0
        deeper = _ragged_at(x, path + "[" + str(i) + "]")
        if deeper is not None:
            return deeper
    return None


def withTensors(loss, names, args, dtypes, options, option_dtypes, f):
    """f(options, *tensors) with the TensorLike values among args (and options[key] for the
    keys of option_dtypes) made tensors: whole numbers asked for as int32 become int64 class
    indices, other numbers float32 (the loss's dtype check says what is wrong)."""

    def tensor(v, dtype_name, what):
        if not isTensorLike(v):
            return v
        ragged = _ragged_at(v, re.sub(r"^\w+ '(.*)'$", r"\1", what))
        if ragged is not None:
            raise ValueError(loss + ": " + what + " is a ragged array: " + ragged)
        t = torch.as_tensor(v, device=device)
        # A number r: a union input, class indices at rank r, probabilities at rank r + 1.
        if not isinstance(dtype_name, str):
            dtype_name = "int32" if t.dim() == dtype_name else "float32"
        if dtype_name == "float32" and not t.is_floating_point():
            return t.to(_dtype())
        if dtype_name == "float32" and t.dtype not in (torch.float32, torch.float64):
            return t.to(torch.float32)
        if dtype_name == "int32" and t.is_floating_point() and bool(torch.all(t == torch.round(t))):
            return t.to(torch.int64)
        return t

    # On the device of the tensors given with them (a list beside a CUDA tensor goes to CUDA).
    device = next((a.device for a in [*args, *options.values()] if isinstance(a, torch.Tensor)), None)
    opts = dict(options)
    for key, dtype_name in option_dtypes.items():
        opts[key] = tensor(options.get(key), dtype_name, "option '" + key + "'")
    # A union input's dtype [k, d]: class indices at the rank of args[k] (made first) plus d.
    tensors = [None] * len(args)
    for i in sorted(range(len(args)), key=lambda k: isinstance(dtypes[k], (list, tuple))):
        asked = dtypes[i]
        if isinstance(asked, (list, tuple)):
            ref = tensors[asked[0]]
            asked = ref.dim() + asked[1] if isinstance(ref, torch.Tensor) else -1
        tensors[i] = tensor(args[i], asked, "input '" + names[i] + "'")
    with floats_of(*tensors, *[v for v in opts.values() if isinstance(v, torch.Tensor)]):
        return f(opts, *tensors)


def withLists(loss, lists, f):
    """f(*stacked): each list input (a non-empty list of tensors or TensorLikes of one shape and
    dtype) stacked along a new first axis, as src/runtime/helpers.ts withLists does; anything
    else is refused naming the element."""
    def shape_text(t):
        return "[" + ", ".join(str(n) for n in t.shape) + "]"

    def element(spec, v, k):
        what = "element " + spec["name"] + "[" + str(k) + "]"
        if isinstance(v, torch.Tensor):
            t = v
        elif isTensorLike(v):
            ragged = _ragged_at(v, spec["name"] + "[" + str(k) + "]")
            if ragged is not None:
                raise ValueError(loss + ": " + what + " is a ragged array: " + ragged)
            t = torch.as_tensor(v)
            if spec["dtype"] == "float32" and not t.is_floating_point():
                t = t.to(_dtype())
            elif spec["dtype"] == "int32" and t.is_floating_point() and bool(torch.all(t == torch.round(t))):
                t = t.to(torch.int64)
        else:
            raise TypeError(loss + ": " + what + " must be a torch.Tensor or TensorLike of shape " + spec["shape"] + ", but is " + valueKind(v))
        if (t.dim() < spec["rank"]) if spec["atLeast"] else (t.dim() != spec["rank"]):
            plural = "" if spec["rank"] == 1 else "s"
            raise ValueError(loss + ": " + what + " should have " + ("at least " if spec["atLeast"] else "") + str(spec["rank"]) + " dimension" + plural + " " + spec["shape"] + ", but has shape " + shape_text(t))
        if dtype(t) != spec["dtype"]:
            raise TypeError(loss + ": " + what + " must be " + spec["dtypeText"] + ", but has dtype " + dtype(t))
        return t

    def stack(spec):
        v = spec["value"]
        if isinstance(v, torch.Tensor):
            raise TypeError(loss + ": input '" + spec["name"] + "' must be a list of tensors (" + spec["type"] + "), but is one torch.Tensor of shape " + shape_text(v) + ": pass its elements as a list (list(x.unbind(0)) splits a stacked one)")
        if not isinstance(v, (list, tuple)):
            raise TypeError(loss + ": input '" + spec["name"] + "' must be a list of tensors (" + spec["type"] + "), but is " + valueKind(v))
        if len(v) == 0:
            raise ValueError(loss + ": input '" + spec["name"] + "' is an empty list: " + spec["type"] + " needs at least one tensor")
        if spec.get("length") is not None and len(v) != spec["length"]:
            raise ValueError(loss + ": input '" + spec["name"] + "' must be a list of " + str(spec["length"]) + " tensors (" + spec["type"] + "), but has " + str(len(v)))
        tensors = [element(spec, x, k) for k, x in enumerate(v)]
        if spec.get("ragged"):
            # The named dims agree (before '...' from the front, after it from the back); the rank too.
            at, n, first = spec["restAt"], spec["rank"], tensors[0]
            for k, t in enumerate(tensors[1:], 1):
                same = t.dim() == first.dim() and all(
                    (t.shape[d] if at < 0 or d < at else t.shape[t.dim() - n + d]) == (first.shape[d] if at < 0 or d < at else first.shape[first.dim() - n + d])
                    for d in range(n))
                if not same:
                    raise ValueError(loss + ": element " + spec["name"] + "[" + str(k) + "] has shape " + shape_text(t) + ", but " + spec["name"] + "[0] has shape " + shape_text(first) + ": the elements of " + spec["type"] + " differ only in the sizes of their '...' dims")
            return tensors
        for k, t in enumerate(tensors):
            if k > 0 and t.shape != tensors[0].shape:
                raise ValueError(loss + ": element " + spec["name"] + "[" + str(k) + "] has shape " + shape_text(t) + ", but " + spec["name"] + "[0] has shape " + shape_text(tensors[0]) + ": the elements of " + spec["type"] + " must have one shape (resize predictions made at several resolutions to one first)")
        return torch.stack(tensors)

    return f(*[stack(spec) for spec in lists])


def valueKind(v):
    if v is None:
        return "undefined"
    if isinstance(v, (list, tuple)):
        return "a list"
    if isinstance(v, dict):
        return "a dict"
    return "a " + js_typeof(v) if js_typeof(v) != "object" else "an object that is not a torch.Tensor"


def unknownOption(options, known):
    key = next((k for k in options if k not in known), None)
    if key is None:
        return None

    def plain(s):
        return re.sub(r"[_-]", "", s.lower())

    def distance(a, b):
        row = list(range(len(b) + 1))
        for i in range(1, len(a) + 1):
            nxt = [i]
            for j in range(1, len(b) + 1):
                nxt.append(min(row[j] + 1, nxt[j - 1] + 1, row[j - 1] + (0 if a[i - 1] == b[j - 1] else 1)))
            row = nxt
        return row[len(b)]

    best, best_distance = None, max(1, len(plain(key)) // 3) + 1
    for k in known:
        d = 0 if plain(k) == plain(key) else distance(plain(key), plain(k))
        if d < best_distance:
            best, best_distance = k, d
    return "'" + key + "'" + (" (did you mean '" + best + "'?)" if best is not None else "")


def _outside(x, domain):
    values = domain.get("values")
    if values is not None:
        inside = torch.zeros_like(x, dtype=torch.bool)
        for v in values:
            inside = inside | (x == v)
        return ~inside
    lo, hi = domain.get("lo"), domain.get("hi")
    if lo is None and hi is None:
        return torch.isnan(x)
    ok = torch.ones_like(x, dtype=torch.bool)
    if lo is not None:
        ok = ok & ((x > lo) if domain.get("loOpen") else (x >= lo))
    if hi is not None:
        ok = ok & ((x < hi) if domain.get("hiOpen") else (x <= hi))
    if domain.get("except") is not None:
        # One more value allowed (class indices' ignore value).
        ok = ok | (x == domain["except"])
    return ~ok


def _scanned(x, domain):
    bounded = any(domain.get(k) is not None for k in ("lo", "hi", "values"))
    return isinstance(x, torch.Tensor) and x.numel() > 0 and x.dtype != torch.bool and (x.is_floating_point() or bounded)


def _f32(v):
    return struct.unpack("f", struct.pack("f", v))[0]


def nearestSource(mode, d, in_size, out_size):
    """torch's nearest source position (ATen UpSample.h), as src/runtime/helpers.ts computes it."""
    scale = _f32(in_size / out_size)
    if mode == "nearest":
        if in_size == out_size:
            return d
        if out_size == 2 * in_size:
            return d >> 1
        return min(int(math.floor(_f32(d * scale))), in_size - 1)
    return min(int(math.floor(_f32((d + 0.5) * scale))), in_size - 1)


def resizeNearest(x, from_, to, mode):
    """x laid out with its resampled dims first, resampled from `from_` to `to` by torch's nearest
    rule: one index_select of the rows each output reads (its gradient adds each back)."""
    from_, to = [int(n) for n in from_], [int(n) for n in to]
    if len(from_) != len(to):
        raise ValueError("resize: the '...' dims " + str(to) + " of the element and " + str(from_) + " of the resized tensor differ in number")
    if from_ == to:
        return x
    other = list(x.shape[len(from_):])
    rows = torch.zeros(1, dtype=torch.int64)
    for j, (i, o) in enumerate(zip(from_, to)):
        m = torch.tensor([nearestSource(mode, d, i, o) for d in range(o)], dtype=torch.int64)
        rows = (rows.reshape(-1, 1) * i + m.reshape(1, -1)).reshape(-1)
    flat = x.reshape([product(from_), product(other)])
    return flat.index_select(0, rows.to(x.device)).reshape(to + other)


def eachElement(elements, domain=None):
    """The elements of a ragged list as mayBeOutside entries, each with the list's domain."""
    return [[e, domain] for e in elements]


def outsideAtEach(elements, domain=None, list_name=None):
    """outsideAt over the elements of a ragged list: the position names the element first."""
    for k, e in enumerate(elements):
        bad = outsideAt(e, domain)
        if bad is not None:
            at = "[" + str(k) + ", " + bad["at"][1:] if list_name is None else list_name + "[" + str(k) + "] at " + bad["at"]
            return {"value": bad["value"], "at": at, "flat": bad["flat"]}
    return None


def stack(tensors, axis=0):
    return torch.stack(list(tensors), int(axis))


def outsideAt(x, domain=None, list_name=None):
    """The first element of x that is NaN or outside domain, as {"value", "at", "flat"}, or None.
    For a list input (stacked, list_name its name): the element, then the position inside it."""
    domain = domain or {}
    if not _scanned(x, domain):
        return None
    with torch.no_grad():
        bad = _outside(x.detach(), domain).reshape(-1)
        if not bool(bad.any()):
            return None
        flat = int(torch.nonzero(bad)[0])
        at, r = [], flat
        for k in range(x.dim() - 1, -1, -1):
            at.insert(0, r % x.shape[k])
            r //= x.shape[k]
        value = x.detach().reshape(-1)[flat].item()
    where = "[" + ", ".join(str(i) for i in at) + "]"
    if list_name is not None:
        where = list_name + "[" + str(at[0]) + "] at [" + ", ".join(str(i) for i in at[1:]) + "]"
    return {"value": value, "at": where, "flat": flat}


def mayBeOutside(checks):
    """Whether some tensor of checks ([tensor or None, domain?, NaN found elsewhere?]) holds NaN or
    a value outside its domain; with the third element true, only its domain is looked at."""

    def domain(c):
        return (c[1] if len(c) > 1 else None) or {}

    def looked_at(c):
        folded = len(c) > 2 and c[2] is True
        return _scanned(c[0], domain(c)) and not (folded and not any(domain(c).get(k) is not None for k in ("lo", "hi", "values")))

    with torch.no_grad():
        found = [_outside(c[0].detach(), domain(c)).any() for c in checks if looked_at(c)]
        return bool(torch.stack(found).any()) if found else False


def foldsNaNScan(inputs):
    """Whether the input scan's NaN test may read the loss's value (torch keeps NaN): every input has elements."""
    return all(isinstance(x, torch.Tensor) and x.numel() > 0 for x in inputs)


def holdsNaN(value):
    """Whether the loss (or its per-sample losses) holds NaN, as one number read back."""
    if value.numel() == 0:
        return False
    with torch.no_grad():
        return bool(torch.isnan(value.detach().sum()))


def firstNonFinite(found, slot, t, axis, start):
    """With checkFinite on a loss computed by blocks of rows: notes in found[slot] the first
    non-finite element of a value ({"value", "at"}: its position in the whole value), of which
    t is one block, its rows from start along axis (the whole value when axis is -1), unless the
    value has one before it."""
    if not isinstance(t, torch.Tensor) or not t.is_floating_point() or t.numel() == 0:
        return None
    with torch.no_grad():
        flags = ~torch.isfinite(t.detach().reshape(-1))
        if not bool(flags.any()):
            return None
        flat = int(torch.nonzero(flags)[0])
        value = t.detach().reshape(-1)[flat].item()
    at = []
    for k in range(t.dim() - 1, -1, -1):
        at.insert(0, flat % t.shape[k])
        flat //= t.shape[k]
    if axis >= 0:
        at[axis] += int(start)
    while len(found) <= slot:
        found.append(None)
    before = found[slot]
    # A later block's element comes first where the row axis is not the value's first.
    if before is None or at < before["at"]:
        found[slot] = {"value": value, "at": at}
    return None


def finiteReduced(loss, value, check, mode, weighted):
    """With checkFinite (check), after the per-sample losses were found finite: the reduced loss
    itself, which may still not be (a sum past float32's largest value, an infinite weight)."""
    if not check or not value.is_floating_point():
        return value
    with torch.no_grad():
        flags = ~torch.isfinite(value.detach().reshape(-1))
        if not bool(flags.any()):
            return value
        bad = value.detach().reshape(-1)[int(torch.nonzero(flags)[0])].item()
    cause = ("a weight is not finite, or " if weighted else "") + "their sum passes float32's largest value, 3.4e38"
    raise ValueError(loss + ": the loss is " + js_str(bad) + " (checkFinite): the per-sample losses are finite, but their reduction '" + js_str(mode) + "'" + (" with weights" if weighted else "") + " is not: " + cause)


def nonFinite(loss, value, inputs, hypers, steps):
    """With checkFinite: raises when value holds NaN or an infinity, naming what led there. The
    value and a step may be given as their first non-finite element found already
    (firstNonFinite), or None where there is none."""

    def index(shape_, flat):
        out = []
        for k in range(len(shape_) - 1, -1, -1):
            out.insert(0, flat % shape_[k])
            flat //= shape_[k]
        return out

    def bad(t):
        if not isinstance(t, torch.Tensor):
            return t
        if not t.is_floating_point():
            return None
        flags = ~torch.isfinite(t.detach().reshape(-1))
        if not bool(flags.any()):
            return None
        k = int(torch.nonzero(flags)[0])
        return {"value": t.detach().reshape(-1)[k].item(), "at": index(list(t.shape), k)}

    first = bad(value)
    if first is None:
        return None
    head = loss + ": the loss is " + js_str(first["value"]) + (" at [" + ", ".join(map(str, first["at"])) + "]" if len(first["at"]) > 0 else "") + " (checkFinite)"

    def is_list(entry):
        # A list input (stacked): its element, then the position inside it (preds[1] at [0, 2]).
        return len(entry) > 3 and entry[3] is True

    for entry in inputs:
        name, t = entry[0], entry[1]
        found = bad(t)
        if found is not None:
            pos = found["at"]
            where = ("in " + name + "[" + str(pos[0]) + "] at [" + ", ".join(map(str, pos[1:])) + "]") if is_list(entry) else ("at [" + ", ".join(map(str, pos)) + "]")
            raise ValueError(head + ": input '" + name + "' holds " + js_str(found["value"]) + " " + where)
    for name, v in hypers:
        if not math.isfinite(v):
            raise ValueError(head + ": option '" + name + "' is " + js_str(v))
    for label, t, axes, deps in steps:
        found = bad(t)
        if found is None:
            continue
        pos = found["at"]
        lead, named = pos[: len(pos) - len(axes)], pos[len(pos) - len(axes):]
        where = (["...=[" + ", ".join(map(str, lead)) + "]"] if lead else []) + [axes[i][0] + "=" + str(named[i]) for i in range(len(axes))]
        there = []
        for d in deps:
            name, x, dims = inputs[d][0], inputs[d][1], inputs[d][2]
            rest_rank = x.dim() - len(dims) + 1
            fixed = []
            for dim in dims:
                if dim == "...":
                    fixed += [lead[i] if len(lead) == rest_rank else None for i in range(rest_rank)]
                else:
                    hits = [named[i] for i, a in enumerate(axes) if a[1] == dim]
                    fixed.append(hits[0] if len(hits) == 1 else None)
            values = []
            # A bool input's values as tfjs reads them (1 and 0), so both modules say the same.
            data = x.detach().reshape(-1).to(torch.uint8 if x.dtype == torch.bool else x.dtype).tolist()
            for f in range(x.numel()):
                if len(values) > 4:
                    break
                if all(p is None or p == q for p, q in zip(fixed, index(list(x.shape), f))):
                    values.append(js_str(data[f]))
            shown = values[:4] + ["..."] if len(values) > 4 else values
            at = [":" if p is None else str(p) for p in fixed]
            there.append((name + "[" + at[0] + "][" + ", ".join(at[1:]) + "]" if is_list(inputs[d]) else name + "[" + ", ".join(at) + "]") + " = " + ", ".join(shown))
        raise ValueError(head + ": it first appears as " + js_str(found["value"]) + " in " + label + " at [" + ", ".join(where) + "] from finite operands" + (", where " + "; ".join(there) if there else ""))
    raise ValueError(head)
