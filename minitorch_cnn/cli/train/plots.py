"""Figures of a training run: ``curves.png`` (loss and accuracy per epoch) and ``confusion_matrix.png``.

matplotlib is optional (``pip install minitorch_cnn[plot]``). The figures are drawn with its
object-oriented API (``matplotlib.figure.Figure``), which renders to a file without a screen and without
``pyplot``: the process's matplotlib backend and pyplot's figures (a notebook's, say) are left alone.
"""
PLOT_HINT = "matplotlib is not installed: skipped {names} (pip install 'minitorch_cnn[plot]' draws them)"


def plotting_available():
    """True when matplotlib can be imported."""
    try:
        import matplotlib.figure  # noqa: F401
    except ImportError:
        return False
    return True


def new_figure(**kwargs):
    """A ``matplotlib.figure.Figure`` that belongs to no pyplot state and renders with Agg on ``savefig``."""
    from matplotlib.figure import Figure

    return Figure(**kwargs)


def plot_curves(history, path, title=None):
    """Loss (left) and accuracy (right) of the training and validation sets, one point per epoch.

    ``history`` is the list of per-epoch rows of ``metrics.json`` (keys ``epoch``, ``train_loss``,
    ``val_loss``, ``train_acc``, ``val_acc``).
    """
    from matplotlib.ticker import MaxNLocator

    epochs = [row["epoch"] for row in history]
    fig = new_figure(figsize=(10, 4))
    ax_loss, ax_acc = fig.subplots(1, 2)
    for ax, key, label in ((ax_loss, "loss", "cross-entropy loss"), (ax_acc, "acc", "accuracy")):
        ax.plot(epochs, [row[f"train_{key}"] for row in history], "o-", label="train")
        ax.plot(epochs, [row[f"val_{key}"] for row in history], "s-", label="validation")
        ax.set_xlabel("epoch")
        ax.xaxis.set_major_locator(MaxNLocator(integer=True))
        ax.set_ylabel(label)
        ax.grid(alpha=0.3)
        ax.legend()
    ax_acc.set_ylim(top=1.0)
    if title:
        fig.suptitle(title)
    fig.tight_layout()
    fig.savefig(path, dpi=100)


def plot_confusion_matrix(matrix, class_names, path, title=None):
    """Counts of (true class, predicted class) as a heat map; rows are true classes."""
    k = len(class_names)
    size = max(4.0, 0.5 * k + 2)
    fig = new_figure(figsize=(size, size))
    ax = fig.subplots()
    ax.imshow(matrix, cmap="Blues")
    ax.set_xticks(range(k), class_names, rotation=45, ha="right")
    ax.set_yticks(range(k), class_names)
    ax.set_xlabel("predicted")
    ax.set_ylabel("true")
    threshold = matrix.max() / 2 if matrix.size else 0
    if k <= 20:
        for i in range(k):
            for j in range(k):
                ax.text(j, i, int(matrix[i, j]), ha="center", va="center", fontsize=8,
                        color="white" if matrix[i, j] > threshold else "black")
    if title:
        ax.set_title(title)
    fig.tight_layout()
    fig.savefig(path, dpi=100)
