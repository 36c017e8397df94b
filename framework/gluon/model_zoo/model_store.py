"""Pretrained weights: looked up in a local directory (there is no download here)."""
import glob
import os

from ...base import MXNetError


def default_root():
    return os.path.join(os.environ.get("MXNET_HOME", os.path.join("~", ".mxnet")), "models")


def get_model_file(name, root=None):
    """The path of `name`'s pretrained parameters in `root` (`<name>.params` or MXNet's
    `<name>-<hash>.params`); a clear error says where to put the file when it is missing."""
    root = os.path.expanduser(root or default_root())
    candidates = sorted(glob.glob(os.path.join(root, "%s.params" % name)) +
                        glob.glob(os.path.join(root, "%s-*.params" % name)))
    if candidates:
        return candidates[0]
    raise MXNetError(
        "pretrained=True: no parameter file for model '%s' in %s. This framework does not "
        "download weights. Put MXNet's '%s-<hash>.params' (from the MXNet model zoo) there, "
        "or create the model with pretrained=False and call "
        "net.load_parameters('/path/to/%s.params')." % (name, root, name, name))
