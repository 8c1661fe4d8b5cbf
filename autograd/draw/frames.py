"""Backprop drawn one step at a time: one frame per chain-rule application.

:func:`backprop_frames` runs backprop one node at a time (:func:`autograd.backward_steps`) and
draws the graph after each step, the current node highlighted; a notebook pages through the
frames with :func:`autograd.draw.pager.html_pager`.
"""

from __future__ import annotations

import math
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import graphviz

from autograd.backprop import backward_steps, gradients, topological_order
from autograd.draw import style as drawstyle
from autograd.draw.graph import draw_graph, render
from autograd.draw.pager import html_pager
from autograd.draw.style import as_float
from autograd.value import Value


@dataclass(frozen=True)
class Frames:
    """Backprop drawn step by step: one ``graphviz.Digraph`` per node, in the order visited.

    In Jupyter it shows as a pager (a slider with ◀ ▶ buttons; without JavaScript the frames are
    shown one under the other). ``svgs()`` renders every frame, ``to_html()`` makes the pager.
    """

    graphs: tuple[graphviz.Digraph, ...]
    captions: tuple[str, ...]

    def __len__(self) -> int:
        return len(self.graphs)

    def __iter__(self) -> Iterator[graphviz.Digraph]:
        return iter(self.graphs)

    def __getitem__(self, index: int) -> graphviz.Digraph:
        return self.graphs[index]

    def svgs(self) -> list[str]:
        """Every frame rendered to SVG text."""
        return [render(graph, "svg").decode() for graph in self.graphs]

    def to_html(self) -> str:
        """An HTML fragment that pages through the frames."""
        return html_pager(self.svgs(), self.captions)

    def _repr_html_(self) -> str:
        return self.to_html()


def backprop_frames(
    root: Value, grad: Value | float = 1.0, *, create_graph: bool = False, **draw_options: Any
) -> Frames:
    """Run backprop on ``root`` (as ``root.backward(grad)`` does) and draw it step by step.

    Each step of :func:`autograd.backward_steps` completes one node's gradient and passes it on
    to the node's inputs; the frame drawn after it highlights that node, shows the gradients
    completed so far and fades the others. There is one frame per node of the graph.
    ``draw_options`` go to :func:`autograd.draw_graph` (``highlight``, ``pending`` and
    ``grad_scale`` are set per frame; a ``title`` is put before each step's caption).
    """
    fixed = {"highlight", "pending", "grad_scale"} & draw_options.keys()
    if fixed:
        raise TypeError(f"backprop_frames sets {', '.join(sorted(fixed))} itself, per frame")
    title = draw_options.pop("title", None)
    order = topological_order(root)
    # Drawing the graph before the first step checks the options and the size while the
    # gradients are still untouched.
    draw_graph(root, pending=order, **draw_options)
    # One colour scale for all frames, from the gradients backprop is about to leave, so that a
    # colour means the same number in every frame.
    seed = as_float(grad)
    final = (
        as_float(node.grad) + seed * as_float(g)
        for node, g in zip(order, gradients(root, order), strict=True)
    )
    scale = max((abs(g) for g in final if math.isfinite(g)), default=0.0)
    precision = draw_options.get("precision", 4)

    graphs: list[graphviz.Digraph] = []
    captions: list[str] = []
    done: set[Value] = set()
    for number, node in enumerate(backward_steps(root, grad, create_graph=create_graph), 1):
        done.add(node)
        caption = _step_caption(number, len(order), node, root, precision)
        captions.append(caption)
        graphs.append(
            draw_graph(
                root,
                highlight=node,
                pending=[n for n in order if n not in done],
                grad_scale=scale,
                title=f"{title}: {caption}" if title else caption,
                **draw_options,
            )
        )
    return Frames(tuple(graphs), tuple(captions))


def _step_caption(number: int, total: int, node: Value, root: Value, precision: int) -> str:
    """What step ``number`` of backprop did, in words."""
    grad = drawstyle.format_number(as_float(node.grad), precision)
    if node.label and root.label and node is not root:
        grad = f"∂{root.label}/∂{node.label} = {grad}"
    step = f"step {number} of {total}: {_name(node)}"
    if node is root:
        return f"{step} starts with grad {grad}"
    if node.inputs:
        return f"{step} has its complete grad {grad}; it passes it on, times the local derivative"
    return f"{step} is a leaf: its grad {grad} is complete"


def _name(node: Value) -> str:
    if node.label:
        return node.label
    if node.op:
        return f"the {drawstyle.symbol(node.op)} node"
    return "a constant"
