"""``mt.distributed``: processes that train one model together (as ``torch.distributed``).

The job is N copies of one script, started by an MPI launcher::

    mpiexec -n 2 python train.py

and each copy calls ``dist.init_process_group()`` first. Backends: ``"mpi"`` (NumPy arrays, through
mpi4py and any MPI library) and ``"nccl"`` (CuPy arrays on one GPU per rank, through
``cupy.cuda.nccl``, connected over MPI). ``import minitorch_cnn`` never imports mpi4py: MPI starts
only in ``init_process_group``.

Install: ``pip install 'minitorch_cnn[distributed]'`` (mpi4py and the MPICH wheel, which brings
``mpiexec``). On a cluster, load the site's MPI and ``pip install mpi4py`` alone: an MPI wheel in the
environment would shadow the site's library. ``python -m mpi4py --mpi-library`` shows the one in use.
"""
from .distributed_c10d import (ReduceOp, Work, all_gather, all_gather_into_tensor, all_gather_object, all_reduce,
                               barrier, broadcast, broadcast_object_list, default_pg_timeout, destroy_process_group,
                               gather_object, get_backend, get_local_rank, get_node_local_rank, get_rank,
                               get_world_size, group, init_process_group, is_available, is_initialized,
                               is_mpi_available, is_nccl_available, reduce, reduce_scatter, reduce_scatter_tensor,
                               scatter_object_list)
from ._launch import launcher_world_size

__all__ = ["ReduceOp", "Work", "group", "is_available", "is_mpi_available", "is_nccl_available", "is_initialized",
           "init_process_group", "destroy_process_group", "get_rank", "get_world_size", "get_local_rank",
           "get_node_local_rank", "get_backend", "all_reduce", "broadcast", "reduce", "all_gather",
           "all_gather_into_tensor", "reduce_scatter", "reduce_scatter_tensor", "barrier", "all_gather_object",
           "broadcast_object_list", "gather_object", "scatter_object_list", "default_pg_timeout",
           "launcher_world_size"]
