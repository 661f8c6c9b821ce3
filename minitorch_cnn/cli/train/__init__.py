"""Training runs: the loop with checkpoints and resume (``Trainer``), its data, builders, metrics and plots.

``run_training(config)`` is what ``python -m minitorch_cnn train`` calls.
"""
from .run import run_training
from .trainer import CheckpointError, Trainer, TrainingError

__all__ = ["run_training", "Trainer", "TrainingError", "CheckpointError"]
