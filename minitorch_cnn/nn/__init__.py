"""``minitorch_cnn.nn``: Modules, Parameters, layers, losses, ``functional`` and ``init`` (as ``torch.nn``)."""
from . import functional, init, utils
from .modules import (ELU, GELU, AdaptiveAvgPool2d, AdaptiveMaxPool2d, AvgPool2d, BatchNorm1d, BatchNorm2d, BCELoss,
                      BCEWithLogitsLoss, Conv2d, CrossEntropyLoss, Dropout, Dropout2d, Flatten, Identity, L1Loss,
                      LeakyReLU, Linear, LocalResponseNorm, LogSoftmax, MaxPool2d, Module, ModuleDict, ModuleList,
                      MSELoss, NLLLoss, ReLU, ReLU6, Sequential, Sigmoid, SiLU, SmoothL1Loss, Softmax, Tanh, Unflatten)
from .modules import (BatchNorm3d, LazyBatchNorm1d, LazyBatchNorm2d, LazyBatchNorm3d, LazyConv2d, LazyLinear,
                      LazyModuleMixin)
from .modules import (CELU, SELU, AvgPool1d, ConstantPad2d, Conv1d, CosineSimilarity, Embedding, GroupNorm,
                      Hardsigmoid, Hardswish, Hardtanh, HuberLoss, KLDivLoss, LayerNorm, LogSigmoid, MaxPool1d, Mish,
                      PairwiseDistance, PReLU,
                      ReflectionPad2d, ReplicationPad2d, Softplus, Softsign, Threshold, Upsample, UpsamplingBilinear2d,
                      UpsamplingNearest2d, ZeroPad2d)
from .parameter import Parameter, UninitializedBuffer, UninitializedParameter
from .modules import SyncBatchNorm
from .modules import GRU, LSTM, RNN, GRUCell, LSTMCell, RNNBase, RNNCell, RNNCellBase
from .modules import ConvTranspose1d, ConvTranspose2d, PixelShuffle, PixelUnshuffle
from . import parallel  # noqa: E402  (DistributedDataParallel wraps Modules)
