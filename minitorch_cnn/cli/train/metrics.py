"""Accuracy bookkeeping of a run and the file that records it, ``metrics.json``."""
import json
import math
import os
import tempfile
from pathlib import Path

import numpy as np


def confusion_matrix(targets, predictions, num_classes):
    """(num_classes, num_classes) int64 counts; entry [t, p] counts samples of class t predicted as p."""
    targets = np.asarray(targets, dtype=np.int64)
    predictions = np.asarray(predictions, dtype=np.int64)
    flat = np.bincount(targets * num_classes + predictions, minlength=num_classes * num_classes)
    return flat.reshape(num_classes, num_classes)


def finite_or_none(value):
    """``value`` with every non-finite float (NaN, inf) replaced by None, through dicts and lists.

    Strict JSON has no NaN or Infinity; ``null`` is what other readers (``jq``, JavaScript) accept.
    """
    if isinstance(value, float):
        return value if math.isfinite(value) else None
    if isinstance(value, dict):
        return {k: finite_or_none(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [finite_or_none(v) for v in value]
    return value


def write_json_atomically(path, record):
    """Write ``record`` as strict JSON through a uniquely named temporary file and a rename.

    Readers never see half a file, and two writers never share a temporary file.
    """
    path = Path(path)
    text = json.dumps(finite_or_none(record), indent=2, allow_nan=False) + "\n"
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "w") as f:
            f.write(text)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
    except BaseException:
        if os.path.exists(tmp):
            os.unlink(tmp)
        raise


def write_metrics(path, config, history, test=None):
    """``metrics.json``: the run's configuration, one row per epoch, and the final test results.

    ``test`` holds ``test_accuracy`` (a fraction in [0, 1]), ``test_loss``, the confusion matrix and the
    epoch whose model was tested once training has finished. Non-finite numbers are written as null.
    """
    write_json_atomically(path, {"config": config, "epochs": history, **(test or {})})
