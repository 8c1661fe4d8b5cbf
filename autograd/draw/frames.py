"""Backprop drawn one step at a time: one frame per chain-rule application.

:func:`backprop_frames` runs backprop one node at a time (:func:`autograd.backward_steps`) and
shows the graph after each step, the current node highlighted. Graphviz lays the graph out once;
each frame is that drawing restyled (:class:`autograd.draw.svg.Drawing`), so a graph of
hundreds of nodes costs one layout, not hundreds. A notebook pages through the frames with
:func:`autograd.draw.pager.html_pager`; :func:`autograd.explore` makes an interactive page.
"""

from __future__ import annotations

import math
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import Any

from autograd.backprop import backward_steps, gradients, topological_order
from autograd.draw import style as drawstyle
from autograd.draw.graph import cards, draw_graph, render
from autograd.draw.pager import html_pager
from autograd.draw.svg import Drawing
from autograd.numbers import number_of
from autograd.value import Value

#: Options that backprop_frames and the explorer set themselves.
SET_PER_STEP = ("grad_scale", "grads", "highlight", "pending", "show_grad")


@dataclass(frozen=True)
class Picture:
    """One frame as SVG text; it shows inline in Jupyter."""

    svg: str

    def _repr_svg_(self) -> str:
        return self.svg


@dataclass(frozen=True)
class _Step:
    grads: tuple[float, ...]
    done: int
    highlight: int


class Frames:
    """Backprop drawn step by step: one picture per node, in the order visited.

    ``frames[k]`` is the picture after step k + 1 (a :class:`Picture`), ``captions[k]`` says
    what that step did. In Jupyter the frames show as a pager (a slider with ◀ ▶ buttons;
    without JavaScript one under the other); ``svgs()`` gives every frame, ``to_html()`` the
    pager.
    """

    def __init__(
        self,
        drawing: Drawing,
        steps: Sequence[_Step],
        captions: Sequence[str],
        *,
        order: Sequence[int],
        scale: float,
        precision: int,
    ):
        self._drawing = drawing
        self._steps = tuple(steps)
        self._visit = tuple(order)
        self.captions = tuple(captions)
        self._scale = scale
        self._precision = precision

    def __len__(self) -> int:
        return len(self._steps)

    def __iter__(self) -> Iterator[Picture]:
        return (self[k] for k in range(len(self)))

    def __getitem__(self, index: int) -> Picture:
        step = self._steps[index]
        return Picture(
            self._drawing.frame(
                step.grads,
                pending=self._visit[step.done :],
                highlight=step.highlight,
                scale=self._scale,
                precision=self._precision,
            )
        )

    def svgs(self) -> list[str]:
        """Every frame as SVG text."""
        return [picture.svg for picture in self]

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
    to the node's inputs; the frame after it highlights that node, shows the gradients
    completed so far and fades the others. There is one frame per node of the graph.
    ``draw_options`` go to :func:`autograd.draw_graph` (but ``highlight``, ``pending``,
    ``grad_scale``, ``grads`` and ``show_grad``, which each frame sets).
    """
    fixed = set(SET_PER_STEP) & draw_options.keys()
    if fixed:
        raise TypeError(f"backprop_frames sets {', '.join(sorted(fixed))} itself, per frame")
    order = topological_order(root)
    # One colour scale for all frames, from the gradients backprop is about to leave, so that a
    # colour means the same number in every frame; the drawing is laid out with them too.
    seed = number_of(grad)
    final = {
        node: number_of(node.grad) + seed * number_of(g)
        for node, g in zip(order, gradients(root, order), strict=True)
    }
    scale = max((abs(g) for g in final.values() if math.isfinite(g)), default=0.0)
    # Drawn before the first step: the options and the size are checked while the gradients
    # are still untouched.
    graph = draw_graph(root, grads=final, grad_scale=scale, **draw_options)
    drawing = Drawing(render(graph, "svg"), *cards(root, **layout_options(draw_options)))
    precision = draw_options.get("precision", 4)

    index = {node: i for i, node in enumerate(order)}
    visit = [index[node] for node in reversed(order)]
    steps: list[_Step] = []
    captions: list[str] = []
    for number, node in enumerate(backward_steps(root, grad, create_graph=create_graph), 1):
        grads = tuple(number_of(n.grad) for n in order)
        steps.append(_Step(grads, number, index[node]))
        captions.append(_step_caption(number, len(order), node, root, precision))
    return Frames(drawing, steps, captions, order=visit, scale=scale, precision=precision)


def layout_options(draw_options: dict[str, Any]) -> dict[str, Any]:
    """The options that decide which cards are drawn."""
    return {k: v for k, v in draw_options.items() if k in ("collapse_scopes", "clusters")}


def _step_caption(number: int, total: int, node: Value, root: Value, precision: int) -> str:
    """What step ``number`` of backprop did, in words."""
    grad = drawstyle.format_number(number_of(node.grad), precision)
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
