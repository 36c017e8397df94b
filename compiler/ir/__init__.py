"""The graph IR: Node, Entry, Graph (graph.py); MXNet symbol JSON (json_io.py); verify; print."""
from .graph import Node, Entry, Graph  # noqa: F401
