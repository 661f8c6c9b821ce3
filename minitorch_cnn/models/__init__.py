"""The lecture's CNNs, built from minitorch_cnn's own modules, with torchvision's names and state_dict keys.

    import minitorch_cnn as mt
    model = mt.models.resnet18(num_classes=10, small_input=True)
    model = mt.models.resnet101(weights="resnet101-cd907fc2.pth")   # a torchvision checkpoint
    model = mt.models.get_model("resnet20")                          # by name, for the CLI
    mt.models.list_models()
"""
from ._api import get_model, get_model_builder, list_models, load_weights, register_model
from ._weights import *  # noqa: F401,F403  (the enums ResNet18_Weights ..., get_weight, get_model_weights)
from ._weights import WEIGHTS
from .alexnet import AlexNet, alexnet
from .cifar_resnet import CifarResNet, PadShortcut, resnet20, resnet32, resnet44, resnet56, resnet110
from .densenet import DenseNet, densenet121, densenet161, densenet169, densenet201
from .googlenet import BasicConv2d, GoogLeNet, GoogLeNetOutputs, Inception, InceptionAux, NaiveInception, googlenet
from .inception import Inception3, InceptionOutputs, inception_v3
from .lenet import LeNet5, lenet5
from .mobilenetv2 import MobileNetV2, mobilenet_v2
from .resnet import (BasicBlock, Bottleneck, ResNet, resnet18, resnet34, resnet50, resnet101, resnet152,
                     resnext50_32x4d, resnext101_32x8d, resnext101_64x4d, wide_resnet50_2, wide_resnet101_2)
from .squeezenet import SqueezeNet, squeezenet1_0, squeezenet1_1
from .two_layer import TwoLayerNet, two_layer_net
from .vgg import VGG, vgg11, vgg11_bn, vgg13, vgg13_bn, vgg16, vgg16_bn, vgg19, vgg19_bn
from .wide_resnet import WideBasic, WideResNet, wrn28_10
