"""Drawings of computation graphs (Graphviz), and backprop drawn one step at a time.

* :mod:`autograd.draw.graph`: :func:`draw_graph`, every ``Value`` a root depends on as a card;
* :mod:`autograd.draw.style`: how a card, an operation and a gradient look;
* :mod:`autograd.draw.svg`: one rendered drawing, restyled for each step of backprop;
* :mod:`autograd.draw.frames`: :func:`backprop_frames`, one picture per chain-rule step;
* :mod:`autograd.draw.pager`: the HTML fragment that pages through frames;
* :mod:`autograd.draw.explorer`: :func:`explore`, the interactive page of a graph, which
  recomputes it in the browser with the op table written as JavaScript by the code writer
  (:mod:`autograd.symbols`) for the page's runtime (:mod:`autograd.draw.javascript`).

This subpackage is the only part of the engine that imports Graphviz.
"""

from __future__ import annotations

from autograd.draw.explorer import Explorer, explore
from autograd.draw.frames import Frames, Picture, backprop_frames
from autograd.draw.graph import (
    MAX_NODES,
    GraphTooLargeError,
    RenderError,
    draw_graph,
    render,
)

__all__ = [
    "MAX_NODES",
    "Explorer",
    "Frames",
    "GraphTooLargeError",
    "Picture",
    "RenderError",
    "backprop_frames",
    "draw_graph",
    "explore",
    "render",
]
