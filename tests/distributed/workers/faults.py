"""One rank fails while the other waits in a collective; the job must end, not hang.

argv[1]: "raise" (an uncaught exception), "kill" (SIGKILL), or "hang" (never joins the collective;
the other rank's watchdog aborts after the 2 s time-out).
"""
import os
import signal
import sys
import time

import minitorch_cnn as mt
import minitorch_cnn.distributed as dist

mode = sys.argv[1]
dist.init_process_group("mpi", timeout=2.0 if mode == "hang" else 60.0)
rank = dist.get_rank()
t = mt.ones(4)
dist.all_reduce(t)  # everyone is up
print(f"rank {rank} ready", flush=True)
if rank == 1:
    if mode == "raise":
        raise ValueError("boom from rank 1")
    if mode == "kill":
        os.kill(os.getpid(), signal.SIGKILL)
    if mode == "hang":
        time.sleep(120)
dist.all_reduce(t)  # rank 0 waits here for rank 1
print(f"rank {rank} was not stopped", flush=True)
