"""Optimizers (``mt.optim.SGD`` ...) and learning-rate schedules (``mt.optim.lr_scheduler``)."""
from . import lr_scheduler
from .adadelta import Adadelta
from .adagrad import Adagrad
from .adam import Adam, AdamW
from .adamax import Adamax
from .asgd import ASGD
from .lbfgs import LBFGS
from .lion import Lion
from .optimizer import Optimizer
from .nadam import NAdam
from .radam import RAdam
from .rmsprop import RMSprop
from .rprop import Rprop
from .sgd import SGD

__all__ = ["Optimizer", "SGD", "Adam", "AdamW", "RMSprop", "Lion", "Adadelta", "Adagrad", "NAdam", "RAdam",
           "Adamax", "ASGD", "Rprop", "LBFGS",
           "lr_scheduler"]
