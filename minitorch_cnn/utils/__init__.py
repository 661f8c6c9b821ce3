"""``mt.utils``: the data pipeline (``mt.utils.data``) and helpers such as ``summary``."""
from . import data
from .image_grid import make_grid, save_image  # noqa: F401

try:  # summary(model, input_size) is added by the model-zoo work; absent until then
    from .summary import summary  # noqa: F401
except ModuleNotFoundError as e:
    if e.name != f"{__name__}.summary":
        raise
# seeing inside a network: graph drawing, gradient flow, receptive fields, filters / feature maps / saliency
from . import gradflow, pictures, receptive_field, viz  # noqa: F401,E402
