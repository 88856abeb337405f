"""PyTorch's own losses (torch.nn.functional, and the tutorial's PyTorch code where a stdlib
loss follows it), the oracle of test/torch-functional.test.ts. A request names a stdlib loss,
its inputs, hyperparameters and options; the answer is torch's value and its autograd
gradients in each dtype asked for (float64 and float32), for the sum of the value times the
cotangent (the value itself when it is a scalar)."""

import torch
import torch.nn.functional as F

from protocol import from_tensor, serve, to_tensor


def reduce(per_sample, reduction):
    if reduction == "none":
        return per_sample
    return per_sample.sum() if reduction == "sum" else per_sample.mean()


def weighted(per_sample, reduction, weights):
    """Per-sample weights, which torch's functions mostly do not take, applied to torch's
    unreduced losses the stdlib's way (tf.losses' Reduction.MEAN: Σ w·l / Σ w), leading axes
    aligned."""
    w = weights.reshape(list(weights.shape) + [1] * (per_sample.dim() - weights.dim())) * torch.ones_like(per_sample)
    if reduction == "none":
        return per_sample * w
    return (per_sample * w).sum() if reduction == "sum" else (per_sample * w).sum() / w.sum()


def class_first(x):
    """[N, d1, ..., C] logits as torch takes them, [N, C, d1, ...]."""
    return x if x.dim() <= 2 else x.movedim(-1, 1)


def cross_entropy(x, h, o):
    return F.cross_entropy(class_first(x["x"]), x["t"], weight=o.get("class_weight"), ignore_index=o.get("ignore_index", -100),
                           label_smoothing=h.get("label_smoothing", 0.0), reduction=o["reduction"])


def cross_entropy_sample_weighted(x, h, o):
    """The stdlib's class weights with label smoothing, in torch's terms: each sample's smoothed
    cross-entropy (unweighted) times weight[t], over Σ weight[t]. torch's own weight also
    weighs the smoothing term by class, which per-sample weights cannot say."""
    t, cw = x["t"], o["class_weight"]
    per = F.cross_entropy(class_first(x["x"]), t, label_smoothing=h.get("label_smoothing", 0.0), reduction="none")
    w = cw[t]
    return (per * w).sum() / w.sum()


def nll(x, h, o):
    return F.nll_loss(class_first(x["logp"]), x["t"], weight=o.get("class_weight"), ignore_index=o.get("ignore_index", -100), reduction=o["reduction"])


def binary_focal(x, h, o):
    # The tutorial's BinaryFocalLoss (§3.4), which is torchvision.ops.sigmoid_focal_loss.
    logits, targets = x["x"], x["y"]
    alpha, gamma = h.get("alpha", 0.25), h.get("gamma", 2.0)
    bce_loss = F.binary_cross_entropy_with_logits(logits, targets, reduction="none")
    p = torch.sigmoid(logits)
    p_t = p * targets + (1 - p) * (1 - targets)
    alpha_t = alpha * targets + (1 - alpha) * (1 - targets)
    return reduce(alpha_t * (1 - p_t) ** gamma * bce_loss, o["reduction"])


def focal(x, h, o):
    # The tutorial's FocalLoss (§3.4).
    ce_loss = F.cross_entropy(class_first(x["x"]), x["t"], reduction="none")
    p = torch.exp(-ce_loss)
    return reduce(h.get("alpha", 0.25) * (1 - p) ** h.get("gamma", 2.0) * ce_loss, o["reduction"])


def label_smoothing_ce(x, h, o):
    # The tutorial's LabelSmoothingCrossEntropy (§3.3), with its reduction made an option.
    logits, targets, epsilon = x["x"], x["t"], h.get("epsilon", 0.1)
    log_probs = torch.log_softmax(logits, dim=-1)
    with torch.no_grad():
        true_dist = torch.zeros_like(log_probs)
        true_dist.fill_(epsilon / (logits.size(-1) - 1))
        true_dist.scatter_(-1, targets.unsqueeze(-1), 1.0 - epsilon)
    return reduce(torch.sum(-true_dist * log_probs, dim=-1), o["reduction"])


def contrastive(x, h, o):
    # The tutorial's ContrastiveLoss (§4.1).
    d = F.pairwise_distance(x["x1"], x["x2"])
    label, margin = x["y"], h.get("margin", 1.0)
    return reduce(label * torch.pow(d, 2) + (1 - label) * torch.pow(torch.clamp(margin - d, min=0.0), 2), o["reduction"])


def batch_hard_triplet(x, h, o):
    # The tutorial's OnlineTripletLoss (§4.2), as written (a loop over anchors), its mean over
    # the anchors with a positive and a negative. The stdlib's other reductions of that masked
    # mean: 'none' the anchors' losses (0 for the others), 'sum' their sum, and per-anchor
    # weights w as Σ w·l / Σ w over the anchors kept (the stdlib's masked mean, weighted).
    embeddings, labels, margin = x["e"], x["label"], h.get("margin", 1.0)
    pairwise_dist = torch.cdist(embeddings, embeddings, p=2)
    terms, kept = [], []
    for i in range(embeddings.size(0)):
        pos_mask = labels == labels[i]
        pos_mask[i] = False
        neg_mask = labels != labels[i]
        if pos_mask.any() and neg_mask.any():
            terms.append(torch.relu(pairwise_dist[i][pos_mask].max() - pairwise_dist[i][neg_mask].min() + margin))
            kept.append(1.0)
        else:
            terms.append(0 * embeddings.sum())
            kept.append(0.0)
    per_anchor = torch.stack(terms)
    mask = torch.tensor(kept, dtype=per_anchor.dtype)
    w = o["sample_weights"] * mask if "sample_weights" in o else mask
    if o["reduction"] == "none":
        return per_anchor * w
    if o["reduction"] == "sum":
        return (per_anchor * w).sum()
    return (per_anchor * w).sum() / max(w.sum(), torch.ones((), dtype=w.dtype)) + 0 * embeddings.sum()


def info_nce(x, h, o):
    # The tutorial's InfoNCELoss (§4.3) as intended: its code drops the diagonal and then uses
    # unshifted labels (an index out of range); the diagonal is masked with -inf instead.
    z_i, z_j, temperature = F.normalize(x["zi"], dim=1), F.normalize(x["zj"], dim=1), h.get("temperature", 0.07)
    n = z_i.size(0)
    reps = torch.cat([z_i, z_j], dim=0)
    sim = (reps @ reps.T) / temperature
    sim = sim.masked_fill(torch.eye(2 * n, dtype=torch.bool), float("-inf"))
    labels = torch.cat([torch.arange(n) + n, torch.arange(n)])
    return reduce(F.cross_entropy(sim, labels, reduction="none").reshape(2, n), o["reduction"])


def nt_xent_simple(x, h, o):
    # The tutorial's NTXentLoss (§4.3), exactly as written.
    temperature = h.get("temperature", 0.5)
    z_i, z_j = F.normalize(x["zi"], dim=1), F.normalize(x["zj"], dim=1)
    n = z_i.size(0)
    pos_sim = (z_i * z_j).sum(dim=1) / temperature
    z = torch.cat([z_i, z_j], dim=0)
    sim_matrix = torch.mm(z, z.T) / temperature
    sim_matrix.fill_diagonal_(-float("inf"))
    logits_i = torch.cat([pos_sim.unsqueeze(1), sim_matrix[:n]], dim=1)
    return reduce(F.cross_entropy(logits_i, torch.zeros(n, dtype=torch.long), reduction="none"), o["reduction"])


def vae(x, h, o):
    mu, logvar = x["mu"], x["logvar"]
    kld = -0.5 * torch.sum(1 + logvar - mu.pow(2) - logvar.exp())
    return F.binary_cross_entropy(x["recon"], x["x"], reduction="sum") + h.get("beta", 1.0) * kld


def zero_carrying(term):
    """A term of value 0 whose gradient is term's (for an argument torch refuses to differentiate)."""
    return term - term.detach()


def soft_margin(x, h, o):
    # torch refuses a gradient along the target; the value and x's gradient are torch's, y's is
    # that of torch's definition log(1 + exp(-y·x)) with x held fixed.
    y = x["y"]
    return F.soft_margin_loss(x["x"], y.detach(), reduction=o["reduction"]) + zero_carrying(
        reduce(torch.log1p(torch.exp(-y * x["x"].detach())), o["reduction"]))


def multi_margin(x, h, o):
    # torch refuses a gradient along weight; the value and x's gradient are torch's, weight's
    # that of weight[t] times torch's own unweighted per-sample losses (the loss is linear in it).
    p, margin, t, w = int(h.get("p", 1)), h.get("margin", 1.0), x["t"], x.get("weight")
    value = F.multi_margin_loss(x["x"], t, p=p, margin=margin, weight=None if w is None else w.detach(), reduction=o["reduction"])
    if w is None:
        return value
    unweighted = F.multi_margin_loss(x["x"].detach(), t, p=p, margin=margin, reduction="none")
    return value + zero_carrying(reduce(w[t] * unweighted, o["reduction"]))


def kl_div(x, h, o):
    # The stdlib's per-sample loss sums over C: its 'mean' is torch's 'batchmean' ([N, C]
    # inputs), its 'none' torch's 'none' summed over C.
    r = o["reduction"]
    out = F.kl_div(x["input"], x["target"], log_target=bool(h.get("log_target", 0)), reduction="none" if r == "none" else ("batchmean" if r == "mean" else r))
    return out.sum(-1) if r == "none" else out


LOSSES = {
    "mse": lambda x, h, o: F.mse_loss(x["pred"], x["target"], reduction=o["reduction"]),
    "mae": lambda x, h, o: F.l1_loss(x["pred"], x["target"], reduction=o["reduction"]),
    "huber": lambda x, h, o: F.huber_loss(x["pred"], x["target"], delta=h.get("delta", 1.0), reduction=o["reduction"]),
    "smooth_l1": lambda x, h, o: F.smooth_l1_loss(x["pred"], x["target"], beta=h.get("beta", 1.0), reduction=o["reduction"]),
    "bce": lambda x, h, o: F.binary_cross_entropy(x["p"], x["y"], weight=o.get("weights"), reduction=o["reduction"]),
    "bce_with_logits": lambda x, h, o: F.binary_cross_entropy_with_logits(
        x["x"], x["y"], weight=o.get("weights"), pos_weight=torch.tensor(h.get("pos_weight", 1.0), dtype=x["x"].dtype), reduction=o["reduction"]),
    "cross_entropy": cross_entropy,
    "nll": nll,
    "cross_entropy_sample_weighted": cross_entropy_sample_weighted,
    "focal": focal,
    "label_smoothing_ce": label_smoothing_ce,
    "binary_focal": binary_focal,
    "triplet_margin": lambda x, h, o: F.triplet_margin_loss(
        x["a"], x["pos"], x["neg"], margin=h.get("margin", 1.0), p=h.get("p", 2), eps=1e-6, swap=bool(h.get("swap", 0)), reduction=o["reduction"]),
    "contrastive": contrastive,
    "batch_hard_triplet": batch_hard_triplet,
    "info_nce": info_nce,
    "nt_xent_simple": nt_xent_simple,
    "gan_discriminator": lambda x, h, o: F.binary_cross_entropy_with_logits(x["real_out"], torch.ones_like(x["real_out"]))
    + F.binary_cross_entropy_with_logits(x["fake_out"], torch.zeros_like(x["fake_out"])),
    "gan_generator": lambda x, h, o: F.binary_cross_entropy_with_logits(x["fake_out"], torch.ones_like(x["fake_out"]), reduction=o["reduction"]),
    "vae": vae,
    "margin_ranking": lambda x, h, o: F.margin_ranking_loss(x["x1"], x["x2"], x["y"], margin=h.get("margin", 0.0), reduction=o["reduction"]),
    "hinge_embedding": lambda x, h, o: F.hinge_embedding_loss(x["x"], x["y"], margin=h.get("margin", 1.0), reduction=o["reduction"]),
    "cosine_embedding": lambda x, h, o: F.cosine_embedding_loss(x["x1"], x["x2"], x["y"], margin=h.get("margin", 0.0), reduction=o["reduction"]),
    "soft_margin": soft_margin,
    "multilabel_soft_margin": lambda x, h, o: F.multilabel_soft_margin_loss(x["x"], x["y"], weight=x.get("weight"), reduction=o["reduction"]),
    "multi_margin": multi_margin,
    "poisson_nll": lambda x, h, o: F.poisson_nll_loss(x["input"], x["target"], log_input=bool(h.get("log_input", 1)), full=bool(h.get("full", 0)),
                                                      eps=h.get("eps", 1e-8), reduction=o["reduction"]),
    "gaussian_nll": lambda x, h, o: F.gaussian_nll_loss(x["input"], x["target"], x["var"], full=bool(h.get("full", 0)), eps=h.get("eps", 1e-6), reduction=o["reduction"]),
    "kl_div": kl_div,
}


# Losses whose stdlib form is a masked mean: they take per-sample weights themselves.
MASKED = {"batch_hard_triplet"}


def handle(request):
    loss = LOSSES[request["loss"]]
    out = {}
    for dtype_name in request["dtypes"]:
        dtype = getattr(torch, dtype_name)
        inputs = {k: to_tensor(v, dtype) for k, v in request["inputs"].items()}
        wrt = [inputs[k].requires_grad_() for k in request["wrt"]]
        options = {"reduction": request.get("reduction", "mean")}
        for key in ("weights", "class_weight"):
            if request.get(key) is not None:
                options[key] = to_tensor(request[key], dtype)
        if request.get("ignore_index") is not None:
            options["ignore_index"] = request["ignore_index"]
        hypers = request.get("hypers", {})
        if request.get("sample_weights") is not None and request["loss"] in MASKED:
            # A masked mean weighs its kept samples only: the loss applies the weights itself.
            options["sample_weights"] = to_tensor(request["sample_weights"], dtype)
            value = loss(inputs, hypers, options)
        elif request.get("sample_weights") is not None:
            options["reduction"] = "none"
            value = weighted(loss(inputs, hypers, options), request.get("reduction", "mean"), to_tensor(request["sample_weights"], dtype))
        else:
            value = loss(inputs, hypers, options)
        cotangent = to_tensor(request["cotangent"], dtype) if request.get("cotangent") is not None else torch.ones_like(value)
        grads = torch.autograd.grad((value * cotangent).sum(), wrt, allow_unused=True) if wrt else []
        out[dtype_name] = {
            "value": from_tensor(value),
            "grads": {k: from_tensor(g if g is not None else torch.zeros_like(inputs[k])) for k, g in zip(request["wrt"], grads)},
        }
    return out


if __name__ == "__main__":
    serve(handle)
