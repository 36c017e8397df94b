"""Giving each worker its part of a data set: SplitSampler and the part of an index range.

Every part has the same length (length // num_parts; the remainder is dropped), so that all
workers run the same number of steps: a worker with one batch more would wait forever in
the allreduce of a step the others never make.
"""
import numpy as np

from ..base import MXNetValueError

__all__ = ['SplitSampler', 'part_range', 'split_part']


def _check_part(num_parts, part_index):
    if not isinstance(num_parts, (int, np.integer)) or num_parts < 1:
        raise MXNetValueError("num_parts must be a positive integer, got %r" % (num_parts,))
    if not isinstance(part_index, (int, np.integer)) or not 0 <= part_index < num_parts:
        raise MXNetValueError("part_index must be in [0, num_parts=%d), got %r"
                              % (num_parts, part_index))


def part_range(length, num_parts=1, part_index=0):
    """(start, end) of part `part_index` of [0, length) cut into `num_parts` equal parts."""
    _check_part(num_parts, part_index)
    if length < 0:
        raise MXNetValueError("length must be >= 0, got %r" % (length,))
    part_len = length // num_parts
    start = part_len * part_index
    return start, start + part_len


def split_part(array, num_parts=1, part_index=0):
    """Part `part_index` of `array` along its first axis (the rows of part_range); works for
    NumPy arrays and NDArrays (a view for both)."""
    start, end = part_range(len(array), num_parts, part_index)
    return array[start:end]


class SplitSampler:
    """Samples the indices of part `part_index` of [0, length) cut into `num_parts` equal
    parts (the remainder is dropped), shuffled each epoch when `shuffle` (np.random).

    With a dist kvstore: `SplitSampler(len(dataset), kv.num_workers, kv.rank)` as the
    `sampler` of a DataLoader gives each worker a disjoint part of the same length.
    """

    def __init__(self, length, num_parts=1, part_index=0, shuffle=True):
        self.start, self.end = part_range(length, num_parts, part_index)
        self.part_len = self.end - self.start
        self._shuffle = shuffle

    def __iter__(self):
        indices = np.arange(self.start, self.end)
        if self._shuffle:
            np.random.shuffle(indices)
        return iter(indices.tolist())

    def __len__(self):
        return self.part_len
