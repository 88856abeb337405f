# Copyright (c) MONAI Consortium
# Licensed under the Apache License, Version 2.0 (the "License");
# you may not use this file except in compliance with the License.
# You may obtain a copy of the License at
#     http://www.apache.org/licenses/LICENSE-2.0
# Unless required by applicable law or agreed to in writing, software
# distributed under the License is distributed on an "AS IS" BASIS,
# WITHOUT WARRANTIES OR CONDITIONS OF ANY KIND, either express or implied.
# See the License for the specific language governing permissions and
# limitations under the License.
#
# MONAI 1.5.0's DiceLoss, DiceFocalLoss and FocalLoss (monai/losses/dice.py,
# focal_loss.py), with compute_tp_fp_fn (monai/losses/utils.py) and one_hot
# (monai/networks/utils.py) that they call: the code unchanged, docstrings and comments left
# out (MONAI is not installed here). The enums and look_up_option they import are the few
# lines below. After them, a driver: JSON cases on stdin, each loss's value and its gradient
# with respect to the input (and the class weight) on stdout, in float64.
from __future__ import annotations

import json
import sys
import warnings
from collections.abc import Callable, Sequence
from enum import Enum
from typing import Any, Optional

import torch
import torch.linalg as LA
import torch.nn.functional as F
from torch.nn.modules.loss import _Loss


class StrEnum(str, Enum):
    def __str__(self):
        return self.value


class LossReduction(StrEnum):
    NONE = "none"
    MEAN = "mean"
    SUM = "sum"


def look_up_option(opt, supported):
    return supported(opt)


def one_hot(labels: torch.Tensor, num_classes: int, dtype: torch.dtype=torch.float, dim: int=1) -> torch.Tensor:
    if labels.ndim < dim + 1:
        shape = list(labels.shape) + [1] * (dim + 1 - len(labels.shape))
        labels = torch.reshape(labels, shape)
    sh = list(labels.shape)
    if sh[dim] != 1:
        raise AssertionError('labels should have a channel with length equal to one.')
    sh[dim] = num_classes
    o = torch.zeros(size=sh, dtype=dtype, device=labels.device)
    labels = o.scatter_(dim=dim, index=labels.long(), value=1)
    return labels


def compute_tp_fp_fn(input: torch.Tensor, target: torch.Tensor, reduce_axis: list[int], ord: int, soft_label: bool, decoupled: bool=True) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
    if ord == 1 and (not soft_label):
        tp = torch.sum(input * target, dim=reduce_axis)
        if decoupled:
            fp = torch.sum(input, dim=reduce_axis) - tp
            fn = torch.sum(target, dim=reduce_axis) - tp
        else:
            fp = torch.sum(input * (1 - target), dim=reduce_axis)
            fn = torch.sum((1 - input) * target, dim=reduce_axis)
    else:
        pred_o = LA.vector_norm(input, ord=ord, dim=reduce_axis)
        ground_o = LA.vector_norm(target, ord=ord, dim=reduce_axis)
        difference = LA.vector_norm(input - target, ord=ord, dim=reduce_axis)
        if ord > 1:
            pred_o = torch.pow(pred_o, exponent=ord)
            ground_o = torch.pow(ground_o, exponent=ord)
            difference = torch.pow(difference, exponent=ord)
        tp = (pred_o + ground_o - difference) / 2
        fp = pred_o - tp
        fn = ground_o - tp
    return (tp, fp, fn)


class FocalLoss(_Loss):

    def __init__(self, include_background: bool=True, to_onehot_y: bool=False, gamma: float=2.0, alpha: float | None=None, weight: Sequence[float] | float | int | torch.Tensor | None=None, reduction: LossReduction | str=LossReduction.MEAN, use_softmax: bool=False) -> None:
        super().__init__(reduction=LossReduction(reduction).value)
        self.include_background = include_background
        self.to_onehot_y = to_onehot_y
        self.gamma = gamma
        self.alpha = alpha
        self.weight = weight
        self.use_softmax = use_softmax
        weight = torch.as_tensor(weight) if weight is not None else None
        self.register_buffer('class_weight', weight)
        self.class_weight: None | torch.Tensor

    def forward(self, input: torch.Tensor, target: torch.Tensor) -> torch.Tensor:
        n_pred_ch = input.shape[1]
        if self.to_onehot_y:
            if n_pred_ch == 1:
                warnings.warn('single channel prediction, `to_onehot_y=True` ignored.')
            else:
                target = one_hot(target, num_classes=n_pred_ch)
        if not self.include_background:
            if n_pred_ch == 1:
                warnings.warn('single channel prediction, `include_background=False` ignored.')
            else:
                target = target[:, 1:]
                input = input[:, 1:]
        if target.shape != input.shape:
            raise ValueError(f'ground truth has different shape ({target.shape}) from input ({input.shape})')
        loss: Optional[torch.Tensor] = None
        input = input.float()
        target = target.float()
        if self.use_softmax:
            if not self.include_background and self.alpha is not None:
                self.alpha = None
                warnings.warn('`include_background=False`, `alpha` ignored when using softmax.')
            loss = softmax_focal_loss(input, target, self.gamma, self.alpha)
        else:
            loss = sigmoid_focal_loss(input, target, self.gamma, self.alpha)
        num_of_classes = target.shape[1]
        if self.class_weight is not None and num_of_classes != 1:
            if self.class_weight.ndim == 0:
                self.class_weight = torch.as_tensor([self.class_weight] * num_of_classes)
            elif self.class_weight.shape[0] != num_of_classes:
                raise ValueError('the length of the `weight` sequence should be the same as the number of classes.\n                        If `include_background=False`, the weight should not include\n                        the background category class 0.')
            if self.class_weight.min() < 0:
                raise ValueError('the value/values of the `weight` should be no less than 0.')
            self.class_weight = self.class_weight.to(loss)
            broadcast_dims = [-1] + [1] * len(target.shape[2:])
            self.class_weight = self.class_weight.view(broadcast_dims)
            loss = self.class_weight * loss
        if self.reduction == LossReduction.SUM.value:
            average_spatial_dims = True
            if average_spatial_dims:
                loss = loss.mean(dim=list(range(2, len(target.shape))))
            loss = loss.sum()
        elif self.reduction == LossReduction.MEAN.value:
            loss = loss.mean()
        elif self.reduction == LossReduction.NONE.value:
            pass
        else:
            raise ValueError(f'Unsupported reduction: {self.reduction}, available options are ["mean", "sum", "none"].')
        return loss


def softmax_focal_loss(input: torch.Tensor, target: torch.Tensor, gamma: float=2.0, alpha: Optional[float]=None) -> torch.Tensor:
    input_ls = input.log_softmax(1)
    loss: torch.Tensor = -(1 - input_ls.exp()).pow(gamma) * input_ls * target
    if alpha is not None:
        alpha_fac = torch.tensor([1 - alpha] + [alpha] * (target.shape[1] - 1)).to(loss)
        broadcast_dims = [-1] + [1] * len(target.shape[2:])
        alpha_fac = alpha_fac.view(broadcast_dims)
        loss = alpha_fac * loss
    return loss


def sigmoid_focal_loss(input: torch.Tensor, target: torch.Tensor, gamma: float=2.0, alpha: Optional[float]=None) -> torch.Tensor:
    loss: torch.Tensor = input - input * target - F.logsigmoid(input)
    invprobs = F.logsigmoid(-input * (target * 2 - 1))
    loss = (invprobs * gamma).exp() * loss
    if alpha is not None:
        alpha_factor = target * alpha + (1 - target) * (1 - alpha)
        loss = alpha_factor * loss
    return loss


class DiceLoss(_Loss):

    def __init__(self, include_background: bool=True, to_onehot_y: bool=False, sigmoid: bool=False, softmax: bool=False, other_act: Callable | None=None, squared_pred: bool=False, jaccard: bool=False, reduction: LossReduction | str=LossReduction.MEAN, smooth_nr: float=1e-05, smooth_dr: float=1e-05, batch: bool=False, weight: Sequence[float] | float | int | torch.Tensor | None=None, soft_label: bool=False) -> None:
        super().__init__(reduction=LossReduction(reduction).value)
        if other_act is not None and (not callable(other_act)):
            raise TypeError(f'other_act must be None or callable but is {type(other_act).__name__}.')
        if int(sigmoid) + int(softmax) + int(other_act is not None) > 1:
            raise ValueError('Incompatible values: more than 1 of [sigmoid=True, softmax=True, other_act is not None].')
        self.include_background = include_background
        self.to_onehot_y = to_onehot_y
        self.sigmoid = sigmoid
        self.softmax = softmax
        self.other_act = other_act
        self.squared_pred = squared_pred
        self.jaccard = jaccard
        self.smooth_nr = float(smooth_nr)
        self.smooth_dr = float(smooth_dr)
        self.batch = batch
        weight = torch.as_tensor(weight) if weight is not None else None
        self.register_buffer('class_weight', weight)
        self.class_weight: None | torch.Tensor
        self.soft_label = soft_label

    def forward(self, input: torch.Tensor, target: torch.Tensor) -> torch.Tensor:
        if self.sigmoid:
            input = torch.sigmoid(input)
        n_pred_ch = input.shape[1]
        if self.softmax:
            if n_pred_ch == 1:
                warnings.warn('single channel prediction, `softmax=True` ignored.')
            else:
                input = torch.softmax(input, 1)
        if self.other_act is not None:
            input = self.other_act(input)
        if self.to_onehot_y:
            if n_pred_ch == 1:
                warnings.warn('single channel prediction, `to_onehot_y=True` ignored.')
            else:
                target = one_hot(target, num_classes=n_pred_ch)
        if not self.include_background:
            if n_pred_ch == 1:
                warnings.warn('single channel prediction, `include_background=False` ignored.')
            else:
                target = target[:, 1:]
                input = input[:, 1:]
        if target.shape != input.shape:
            raise AssertionError(f'ground truth has different shape ({target.shape}) from input ({input.shape})')
        reduce_axis: list[int] = torch.arange(2, len(input.shape)).tolist()
        if self.batch:
            reduce_axis = [0] + reduce_axis
        ord = 2 if self.squared_pred else 1
        tp, fp, fn = compute_tp_fp_fn(input, target, reduce_axis, ord, self.soft_label)
        if not self.jaccard:
            fp *= 0.5
            fn *= 0.5
        numerator = 2 * tp + self.smooth_nr
        denominator = 2 * (tp + fp + fn) + self.smooth_dr
        f: torch.Tensor = 1 - numerator / denominator
        num_of_classes = target.shape[1]
        if self.class_weight is not None and num_of_classes != 1:
            if self.class_weight.ndim == 0:
                self.class_weight = torch.as_tensor([self.class_weight] * num_of_classes)
            elif self.class_weight.shape[0] != num_of_classes:
                raise ValueError('the length of the `weight` sequence should be the same as the number of classes.\n                        If `include_background=False`, the weight should not include\n                        the background category class 0.')
            if self.class_weight.min() < 0:
                raise ValueError('the value/values of the `weight` should be no less than 0.')
            f = f * self.class_weight.to(f)
        if self.reduction == LossReduction.MEAN.value:
            f = torch.mean(f)
        elif self.reduction == LossReduction.SUM.value:
            f = torch.sum(f)
        elif self.reduction == LossReduction.NONE.value:
            broadcast_shape = list(f.shape[0:2]) + [1] * (len(input.shape) - 2)
            f = f.view(broadcast_shape)
        else:
            raise ValueError(f'Unsupported reduction: {self.reduction}, available options are ["mean", "sum", "none"].')
        return f


class DiceFocalLoss(_Loss):

    def __init__(self, include_background: bool=True, to_onehot_y: bool=False, sigmoid: bool=False, softmax: bool=False, other_act: Callable | None=None, squared_pred: bool=False, jaccard: bool=False, reduction: str='mean', smooth_nr: float=1e-05, smooth_dr: float=1e-05, batch: bool=False, gamma: float=2.0, weight: Sequence[float] | float | int | torch.Tensor | None=None, lambda_dice: float=1.0, lambda_focal: float=1.0, alpha: float | None=None) -> None:
        super().__init__()
        self.dice = DiceLoss(include_background=include_background, to_onehot_y=False, sigmoid=sigmoid, softmax=softmax, other_act=other_act, squared_pred=squared_pred, jaccard=jaccard, reduction=reduction, smooth_nr=smooth_nr, smooth_dr=smooth_dr, batch=batch, weight=weight)
        self.focal = FocalLoss(include_background=include_background, to_onehot_y=False, gamma=gamma, weight=weight, alpha=alpha, reduction=reduction)
        if lambda_dice < 0.0:
            raise ValueError('lambda_dice should be no less than 0.0.')
        if lambda_focal < 0.0:
            raise ValueError('lambda_focal should be no less than 0.0.')
        self.lambda_dice = lambda_dice
        self.lambda_focal = lambda_focal
        self.to_onehot_y = to_onehot_y

    def forward(self, input: torch.Tensor, target: torch.Tensor) -> torch.Tensor:
        if input.dim() != target.dim():
            raise ValueError(f'the number of dimensions for input and target should be the same, got shape {input.shape} (nb dims: {len(input.shape)}) and {target.shape} (nb dims: {len(target.shape)}). if target is not one-hot encoded, please provide a tensor with shape B1H[WD].')
        if target.shape[1] != 1 and target.shape[1] != input.shape[1]:
            raise ValueError(f'number of channels for target is neither 1 (without one-hot encoding) nor the same as input, got shape {input.shape} and {target.shape}.')
        if self.to_onehot_y:
            n_pred_ch = input.shape[1]
            if n_pred_ch == 1:
                warnings.warn('single channel prediction, `to_onehot_y=True` ignored.')
            else:
                target = one_hot(target, num_classes=n_pred_ch)
        dice_loss = self.dice(input, target)
        focal_loss = self.focal(input, target)
        total_loss: torch.Tensor = self.lambda_dice * dice_loss + self.lambda_focal * focal_loss
        return total_loss


def run(case):
    x = torch.tensor(case["x"], dtype=torch.float64).reshape(case["xshape"]).requires_grad_(True)
    dtype = torch.int64 if case["indices"] else torch.float64
    y = torch.tensor(case["y"], dtype=dtype).reshape(case["yshape"])
    opts = dict(case["opts"])
    weight = None
    if case.get("weight") is not None:
        weight = torch.tensor(case["weight"], dtype=torch.float64, requires_grad=True)
        opts["weight"] = weight
    loss = {"dice": DiceLoss, "focal": FocalLoss, "dice_focal": DiceFocalLoss}[case["loss"]](**opts)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        value = loss(x, y)
    value.backward()
    out = {"value": float(value), "grad_x": x.grad.reshape(-1).tolist()}
    if weight is not None:
        out["grad_weight"] = (weight.grad if weight.grad is not None else torch.zeros_like(weight)).reshape(-1).tolist()
    return out


if __name__ == "__main__":
    torch.set_default_dtype(torch.float64)
    print(json.dumps([run(c) for c in json.load(sys.stdin)]))
