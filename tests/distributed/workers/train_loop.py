"""A training loop written the way ``python -m minitorch_cnn train`` uses ``DataParallelRun``.

    python train_loop.py OUT [--stop-after K] [--resume]        # one process
    mpiexec -n 2 python train_loop.py OUT ...                   # two processes, the same global batch

Writes OUT/metrics.json (rank 0 only) and, with --stop-after K, a mid-epoch checkpoint after K batches
of the whole run; --resume continues from it.
"""
import json
import sys
from pathlib import Path

import numpy as np

import minitorch_cnn as mt
import minitorch_cnn.nn.functional as F
from minitorch_cnn import nn
from minitorch_cnn.utils.data import TensorDataset
from minitorch_cnn.utils.data_parallel import DataParallelRun

out = Path(sys.argv[1])
stop_after = int(sys.argv[sys.argv.index("--stop-after") + 1]) if "--stop-after" in sys.argv else None
resume = "--resume" in sys.argv
GLOBAL_BATCH, EPOCHS, SEED = 12, 2, 11

run = DataParallelRun.from_launcher(timeout=120)
rng = np.random.default_rng(0)
train = TensorDataset(mt.tensor(rng.standard_normal((60, 1, 6, 6))), mt.tensor(rng.integers(0, 3, 60)))
val = TensorDataset(mt.tensor(rng.standard_normal((25, 1, 6, 6))), mt.tensor(rng.integers(0, 3, 25)))

mt.manual_seed(SEED)  # the same initial model on every rank
model = nn.Sequential(nn.Conv2d(1, 3, 3), nn.BatchNorm2d(3), nn.ReLU(), nn.Flatten(), nn.Linear(48, 3)).double()
optimizer = mt.optim.SGD(model.parameters(), lr=0.05, momentum=0.9)
epoch, batch, totals, history = 0, 0, [0.0, 0.0, 0.0], []
if resume:  # every rank reads the checkpoint rank 0 wrote
    state = mt.load(out / "checkpoint.pt")
    model.load_state_dict(state["model"])
    optimizer.load_state_dict(state["optimizer"])
    epoch, batch, history = state["epoch"], state["batch"], state["history"]
    totals = list(run.totals_to_resume(*state["totals"]))
net = run.wrap(model)  # DDP + SyncBatchNorm on 2 processes, the model itself on one
loader = run.train_loader(train, GLOBAL_BATCH, seed=SEED)
done_batches = epoch * len(loader) + batch

while epoch < EPOCHS:
    run.set_epoch(loader, epoch)
    net.train()
    batches = iter(loader)
    for _ in range(batch):  # a resumed epoch: the same order, its finished batches skipped
        next(batches)
    for x, y in batches:
        optimizer.zero_grad()
        logits = net(x)
        loss = F.cross_entropy(logits, y)
        loss.backward()
        optimizer.step()
        correct = float((logits.argmax(1) == y).sum())
        totals = [totals[0] + loss.item() * len(y), totals[1] + correct, totals[2] + len(y)]
        batch += 1
        done_batches += 1
        if run.any_rank(stop_after is not None and done_batches == stop_after):
            totals = run.totals_to_save(*totals)
            if run.is_main:
                mt.save({"model": run.unwrap(net).state_dict(), "optimizer": optimizer.state_dict(), "epoch": epoch,
                         "batch": batch, "totals": totals, "history": history}, out / "checkpoint.pt")
            run.close()
            sys.exit(0)
    loss_sum, train_correct, seen = run.sum(*totals)
    net.eval()
    val_loss, correct, count = 0.0, 0.0, 0.0
    predictions = []
    with mt.no_grad():
        for x, y in run.eval_loader(val, batch_size=7):
            logits = net(x)
            val_loss += F.cross_entropy(logits, y, reduction="sum").item()
            correct += float((logits.argmax(1) == y).sum())
            count += len(y)
            predictions.append(logits.argmax(1).numpy())
    val_loss, correct, count = run.sum(val_loss, correct, count)
    predictions = run.gather_sharded(np.concatenate(predictions))
    history.append({"epoch": epoch + 1, "train_loss": loss_sum / seen,
                    "train_acc": train_correct / seen, "seen": seen, "val_loss": val_loss / count,
                    "val_acc": correct / count, "val_count": count, "predictions": predictions.tolist()})
    epoch, batch, totals = epoch + 1, 0, [0.0, 0.0, 0.0]

if run.is_main:
    weights = {k: v.numpy().tolist() for k, v in run.unwrap(net).state_dict().items()}
    (out / "metrics.json").write_text(json.dumps({"world_size": run.world_size, "history": history,
                                                  "weights": weights}))
run.close()
