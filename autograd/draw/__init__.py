"""Drawings of computation graphs (Graphviz), and backprop drawn one step at a time.

* :mod:`autograd.draw.graph`: :func:`draw_graph`, every ``Value`` a root depends on as a card;
* :mod:`autograd.draw.style`: how a card, an operation and a gradient look;
* :mod:`autograd.draw.frames`: :func:`backprop_frames`, one drawing per chain-rule step;
* :mod:`autograd.draw.pager`: the HTML page that steps through frames.

This subpackage is the only part of the engine that imports Graphviz.
"""

from __future__ import annotations

from autograd.draw.frames import Frames, backprop_frames
from autograd.draw.graph import (
    MAX_NODES,
    GraphTooLargeError,
    RenderError,
    draw_graph,
    render,
)

__all__ = [
    "MAX_NODES",
    "Frames",
    "GraphTooLargeError",
    "RenderError",
    "backprop_frames",
    "draw_graph",
    "render",
]
