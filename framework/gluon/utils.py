"""mx.gluon.utils: splitting batches over devices, global-norm clipping, file helpers."""
import hashlib
import os
import shutil
import uuid
import warnings
from urllib.parse import urlparse, unquote

import numpy as np

from compiler.errors import MXNetAssertionError
from ..base import MXNetError, MXNetIndexError, MXNetValueError
from .. import ndarray

__all__ = ['split_data', 'split_and_load', 'clip_global_norm', 'check_sha1', 'download',
           'replace_file']


def split_data(data, num_slice, batch_axis=0, even_split=True):
    """Split an NDArray into `num_slice` slices along `batch_axis` (a list even for 1).

    With even_split, `num_slice` must divide the axis; otherwise the first
    `size % num_slice` slices get one element more.  Slices along axis 0 are views.
    """
    if not (isinstance(num_slice, (int, np.integer)) and num_slice >= 1):
        raise MXNetValueError("split_data: num_slice must be a positive integer (one slice per "
                              "context), got %r" % (num_slice,))
    if not -len(data.shape) <= batch_axis < len(data.shape):
        raise MXNetIndexError("split_data: batch_axis %d is out of range for data of shape %s"
                              % (batch_axis, data.shape))
    size = data.shape[batch_axis]
    if even_split and size % num_slice != 0:
        raise MXNetValueError(
            "data with shape %s cannot be evenly split into %d slices along axis %d. "
            "Use a batch size that's multiple of %d or set even_split=False to allow "
            "uneven partitioning of data." % (str(data.shape), num_slice, batch_axis, num_slice))
    n_each_section, extras = divmod(size, num_slice)
    section_sizes = [0] + (extras * [n_each_section + 1] +
                           (num_slice - extras) * [n_each_section])
    div_points = np.array(section_sizes).cumsum().tolist()
    if batch_axis != 0:
        return [ndarray.slice_axis(data, axis=batch_axis, begin=div_points[i],
                                   end=div_points[i + 1]) for i in range(num_slice)]
    return [data[div_points[i]:div_points[i + 1]] if i < num_slice - 1
            else data[div_points[i]:size] for i in range(num_slice)]


def split_and_load(data, ctx_list, batch_axis=0, even_split=True):
    """Split `data` (an NDArray or array-like) into `len(ctx_list)` slices along
    `batch_axis` and copy slice i to ctx_list[i]."""
    if not ctx_list:
        raise MXNetValueError("split_and_load: ctx_list is empty")
    if not isinstance(data, ndarray.NDArray):
        data = ndarray.array(data, ctx=ctx_list[0])
    if len(ctx_list) == 1:
        return [data.as_in_context(ctx_list[0])]
    slices = split_data(data, len(ctx_list), batch_axis, even_split)
    return [i.as_in_context(ctx) for i, ctx in zip(slices, ctx_list)]


def clip_global_norm(arrays, max_norm, check_isfinite=True):
    """Rescale `arrays` in place so that the 2-norm of all of them together is at most
    `max_norm`; returns that norm (a float, or a (1,) NDArray when not check_isfinite)."""
    def _norm(array):
        x = array.reshape((-1,))
        return ndarray.dot(x, x)

    if len(arrays) == 0:
        raise MXNetAssertionError("clip_global_norm: arrays must not be empty")
    ctx = arrays[0].context
    total_norm = ndarray.add_n(*[_norm(arr).as_in_context(ctx) for arr in arrays])
    total_norm = ndarray.sqrt(total_norm)
    if check_isfinite:
        if not np.isfinite(total_norm.asscalar()):
            warnings.warn(UserWarning('nan or inf is detected. '
                                      'Clipping results will be undefined.'), stacklevel=2)
    scale = max_norm / (total_norm + 1e-8)
    scale = ndarray.min(ndarray.concat(scale, ndarray.ones(1, ctx=ctx), dim=0))
    for arr in arrays:
        arr *= scale.as_in_context(arr.context)
    if check_isfinite:
        return total_norm.asscalar()
    return total_norm


def _indent(s_, numSpaces):
    """Indent every line of `s_` but the first by `numSpaces` spaces."""
    s = s_.split('\n')
    if len(s) == 1:
        return s_
    first = s.pop(0)
    s = [first] + [(numSpaces * ' ') + line for line in s]
    return '\n'.join(s)


def check_sha1(filename, sha1_hash):
    """Whether the SHA-1 of the file's content is `sha1_hash` (hex digits)."""
    sha1 = hashlib.sha1()
    with open(filename, 'rb') as f:
        while True:
            data = f.read(1048576)
            if not data:
                break
            sha1.update(data)
    return sha1.hexdigest() == sha1_hash


def replace_file(src, dst):
    """Move `src` to `dst` atomically (os.replace); on failure remove `src` and raise."""
    try:
        os.replace(src, dst)
    except OSError:
        try:
            os.remove(src)
        except OSError:
            pass
        raise OSError('Moving downloaded temp file - {}, to {} failed. '
                      'Please retry the download.'.format(src, dst)) from None


def _local_source(url):
    """The local path a URL names (a plain path or file://), or None for a network URL."""
    parsed = urlparse(url)
    if parsed.scheme == 'file':
        return unquote(parsed.path)
    if parsed.scheme == '' or (len(parsed.scheme) == 1 and os.name == 'nt'):
        return url
    return None


def download(url, path=None, overwrite=False, sha1_hash=None, retries=5, verify_ssl=True):
    """Fetch `url` to `path` (default: the URL's file name in the current directory) and
    return the file's path.

    An existing file is kept unless `overwrite` or its SHA-1 differs from `sha1_hash`.  This
    build has no network access: only local paths and file:// URLs are copied; any other
    URL raises MXNetError naming where to place the file by hand.
    """
    if path is None:
        fname = url.split('/')[-1]
        if not fname:
            raise MXNetAssertionError("Can't construct file-name from this URL. "
                                      "Please set the `path` option manually.")
    else:
        path = os.path.expanduser(path)
        if os.path.isdir(path):
            fname = os.path.join(path, url.split('/')[-1])
        else:
            fname = path
    if retries < 0:
        raise MXNetAssertionError(
            "Number of retries should be at least 0, currently it's {}".format(retries))
    if not verify_ssl:
        warnings.warn('Unverified HTTPS request is being made (verify_ssl=False). '
                      'Adding certificate verification is strongly advised.')
    if not (overwrite or not os.path.exists(fname)
            or (sha1_hash and not check_sha1(fname, sha1_hash))):
        return fname
    source = _local_source(url)
    if source is None:
        raise MXNetError("download: cannot fetch %s: this build has no network access; put "
                         "the file at %s yourself (or pass a local path or file:// URL)"
                         % (url, os.path.abspath(fname)))
    if not os.path.isfile(source):
        raise MXNetError("download: %s: no such file" % source)
    dirname = os.path.dirname(os.path.abspath(os.path.expanduser(fname)))
    os.makedirs(dirname, exist_ok=True)
    tmp = '{}.{}'.format(fname, uuid.uuid4())
    shutil.copyfile(source, tmp)
    replace_file(tmp, fname)
    if sha1_hash and not check_sha1(fname, sha1_hash):
        raise UserWarning('File {} is downloaded but the content hash does not match.'
                          ' The repo may be outdated or download may be incomplete. '
                          'If the "repo_url" is overridden, consider switching to '
                          'the default repo.'.format(fname))
    return fname


def _get_repo_url():
    """The base URL of the Gluon data set and model repository (MXNET_GLUON_REPO)."""
    default_repo = 'https://apache-mxnet.s3-accelerate.dualstack.amazonaws.com/'
    repo_url = os.environ.get('MXNET_GLUON_REPO', default_repo)
    if repo_url[-1] != '/':
        repo_url = repo_url + '/'
    return repo_url


def _get_repo_file_url(namespace, filename):
    """The URL of `filename` under `namespace` in the Gluon repository."""
    return '{base_url}{namespace}/{filename}'.format(base_url=_get_repo_url(),
                                                     namespace=namespace, filename=filename)


def _brief_print_list(lst, limit=7):
    """At most `limit` elements of `lst`, quoted and comma-separated."""
    lst = list(lst)
    if len(lst) > limit:
        return _brief_print_list(lst[:limit // 2], limit) + ', ..., ' + \
            _brief_print_list(lst[-limit // 2:], limit)
    return ', '.join(["'%s'" % str(i) for i in lst])


def shape_is_known(shape):
    """Whether every dimension of `shape` is known (MXNet 1.x: 0 means unknown)."""
    if shape is None:
        return False
    if len(shape) == 0:
        return False
    for dim_size in shape:
        if dim_size == 0:
            return False
        if dim_size < 0:
            raise MXNetAssertionError("shape dimension size cannot be less than 0, while "
                                      "received {}".format(dim_size))
    return True


def _check_same_symbol_type(symbols):
    """The Symbol class (there is one kind of Symbol here: no mx.np symbols)."""
    from ..symbol import Symbol
    return Symbol


def __getattr__(name):
    if name == 'HookHandle':   # lives with the Blocks that use it
        from .block import HookHandle
        return HookHandle
    raise AttributeError("module %r has no attribute %r" % (__name__, name))
