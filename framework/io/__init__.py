"""mx.io: data iterators for Module (DataDesc, DataBatch, DataIter, NDArrayIter, ...)."""
from . import io  # noqa: F401
from .io import (DataBatch, DataDesc, DataIter, NDArrayIter, PrefetchingIter,  # noqa: F401
                 ResizeIter)
from .native import (MNISTIter, CSVIter, ImageRecordIter, ImageRecordUInt8Iter,  # noqa: F401
                     ImageDetRecordIter, LibSVMIter)
from . import utils  # noqa: F401
from .utils import _init_data, _getdata_by_idx, _has_instance  # noqa: F401
