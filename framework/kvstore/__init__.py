"""mx.kv / mx.kvstore: key-value stores for data-parallel training.

'local' and 'device' aggregate over the devices of one process; 'dist_sync' and
'dist_device_sync' aggregate over MPI workers too (launch with
`python -m framework.tools.launch -n N train.py`; needs the `dist` extra: mpi4py + mpich).
"""
from .base import create, KVStoreBase, TestStore  # noqa: F401
from .kvstore import KVStore  # noqa: F401
from .sharding import SplitSampler, part_range, split_part  # noqa: F401

__all__ = ['create', 'KVStoreBase', 'KVStore', 'SplitSampler']
