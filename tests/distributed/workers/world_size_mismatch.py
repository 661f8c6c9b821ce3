"""Run alone (no mpiexec) with a launcher variable claiming 2 processes: init must refuse."""
import minitorch_cnn.distributed as dist

try:
    dist.init_process_group("mpi")
except RuntimeError as e:
    print(f"refused: {e}", flush=True)
else:
    print(f"accepted a world of {dist.get_world_size()}", flush=True)
