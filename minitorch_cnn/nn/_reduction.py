"""The legacy ``size_average``/``reduce`` loss arguments, mapped to ``reduction`` exactly as PyTorch does."""
import warnings


def legacy_get_string(size_average, reduce, emit_warning=True):
    """(size_average, reduce) -> 'mean' | 'sum' | 'none'; None counts as True.

    ``reduce=False`` gives 'none' whatever ``size_average`` is; ``size_average=False`` gives 'sum'
    (the lecture's ``nn.MSELoss(size_average=False)``).
    """
    if size_average is None:
        size_average = True
    if reduce is None:
        reduce = True
    if size_average and reduce:
        ret = "mean"
    elif reduce:
        ret = "sum"
    else:
        ret = "none"
    if emit_warning:
        warnings.warn(f"size_average and reduce args will be deprecated, please use reduction='{ret}' instead.",
                      stacklevel=2)
    return ret
