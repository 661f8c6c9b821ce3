"""``mt.utils``: the data pipeline (``mt.utils.data``) and helpers such as ``summary``."""
from . import data

try:  # summary(model, input_size) is added by the model-zoo work; absent until then
    from .summary import summary  # noqa: F401
except ModuleNotFoundError as e:
    if e.name != f"{__name__}.summary":
        raise
