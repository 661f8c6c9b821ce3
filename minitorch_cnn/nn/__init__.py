"""``minitorch_cnn.nn``: Modules, Parameters, layers, losses, ``functional`` and ``init`` (as ``torch.nn``)."""
from . import functional, init, utils
from .modules import (ELU, GELU, AdaptiveAvgPool2d, AdaptiveMaxPool2d, AvgPool2d, BatchNorm1d, BatchNorm2d, BCELoss,
                      BCEWithLogitsLoss, Conv2d, CrossEntropyLoss, Dropout, Dropout2d, Flatten, Identity, L1Loss,
                      LeakyReLU, Linear, LocalResponseNorm, LogSoftmax, MaxPool2d, Module, ModuleDict, ModuleList,
                      MSELoss, NLLLoss, ReLU, ReLU6, Sequential, Sigmoid, SiLU, SmoothL1Loss, Softmax, Tanh, Unflatten)
from .parameter import Parameter
