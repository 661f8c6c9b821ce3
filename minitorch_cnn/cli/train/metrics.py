"""Accuracy bookkeeping of a run and the file that records it, ``metrics.json``."""
import json
import os
from pathlib import Path

import numpy as np


def confusion_matrix(targets, predictions, num_classes):
    """(num_classes, num_classes) int64 counts; entry [t, p] counts samples of class t predicted as p."""
    targets = np.asarray(targets, dtype=np.int64)
    predictions = np.asarray(predictions, dtype=np.int64)
    flat = np.bincount(targets * num_classes + predictions, minlength=num_classes * num_classes)
    return flat.reshape(num_classes, num_classes)


def write_metrics(path, config, history, test=None):
    """``metrics.json``: the run's configuration, one row per epoch, and the final test results.

    ``test`` holds ``test_accuracy`` (a fraction in [0, 1]), ``test_loss`` and the confusion matrix once
    training has finished.
    """
    record = {"config": config, "epochs": history, **(test or {})}
    path = Path(path)
    tmp = path.with_name(f".{path.name}.tmp")
    tmp.write_text(json.dumps(record, indent=2) + "\n")
    os.replace(tmp, path)  # readers never see half a file
