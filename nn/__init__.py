"""chainrule's neural-network layer, built only from ``autograd.Value`` nodes.

>>> import nn
>>> model = nn.MLP(2, [16, 16, 1], seed=0)
>>> len(model.parameters())
337
>>> x, y = nn.datasets.make_moons(100, noise=0.1, seed=0)
>>> history = nn.fit(model, x, y, optimizer=nn.SGD(model.parameters(), lr=0.5), steps=5)
"""

from __future__ import annotations

from nn import datasets
from nn.activations import ACTIVATIONS
from nn.bayesian import BayesLinear
from nn.clipping import clip_grad_norm
from nn.conv import Conv2d
from nn.dropout import Dropout
from nn.layers import MLP, Layer, Neuron
from nn.linear import Flatten, Linear, ReLU, Sequential, Sigmoid, Tanh, Unflatten
from nn.losses import (
    LOSSES,
    binary_cross_entropy,
    cross_entropy,
    hinge,
    hinge_loss,
    log_softmax,
    mse,
    mse_loss,
    softmax,
)
from nn.metrics import accuracy, label_of, predict
from nn.model_file import ModelFileError, load, save
from nn.module import Module
from nn.normalisation import BatchNorm1d, BatchNorm2d, LayerNorm, RMSNorm
from nn.optim import SGD, Adam, Optimizer, RMSprop
from nn.penalties import l1_penalty, l2_penalty
from nn.pooling import AvgPool2d, MaxPool2d
from nn.recurrent import (
    GRU,
    LSTM,
    RNN,
    RecurrentRegressor,
    gradient_norms_through_time,
    state_gradient_norms,
)
from nn.schedules import CosineDecay, ExponentialDecay, LinearDecay, StepDecay
from nn.training import History, fit

__all__ = [
    "ACTIVATIONS",
    "GRU",
    "LOSSES",
    "LSTM",
    "MLP",
    "RNN",
    "SGD",
    "Adam",
    "AvgPool2d",
    "BatchNorm1d",
    "BatchNorm2d",
    "BayesLinear",
    "Conv2d",
    "CosineDecay",
    "Dropout",
    "ExponentialDecay",
    "Flatten",
    "History",
    "Layer",
    "LayerNorm",
    "Linear",
    "LinearDecay",
    "MaxPool2d",
    "ModelFileError",
    "Module",
    "Neuron",
    "Optimizer",
    "RMSNorm",
    "RMSprop",
    "ReLU",
    "RecurrentRegressor",
    "Sequential",
    "Sigmoid",
    "StepDecay",
    "Tanh",
    "Unflatten",
    "accuracy",
    "binary_cross_entropy",
    "clip_grad_norm",
    "cross_entropy",
    "datasets",
    "fit",
    "gradient_norms_through_time",
    "hinge",
    "hinge_loss",
    "l1_penalty",
    "l2_penalty",
    "label_of",
    "load",
    "log_softmax",
    "mse",
    "mse_loss",
    "predict",
    "save",
    "softmax",
    "state_gradient_norms",
]
