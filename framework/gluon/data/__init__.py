"""mx.gluon.data: datasets, samplers, DataLoader and vision datasets/transforms."""
from .dataset import Dataset, SimpleDataset, ArrayDataset, RecordFileDataset  # noqa: F401
from .sampler import (Sampler, SequentialSampler, RandomSampler, FilterSampler,  # noqa: F401
                      BatchSampler)
from .dataloader import DataLoader, default_batchify_fn, default_mp_batchify_fn  # noqa: F401
from ...kvstore.sharding import SplitSampler  # noqa: F401,E402  (for dist training)
from . import vision  # noqa: F401
