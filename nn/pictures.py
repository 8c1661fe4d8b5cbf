"""Pictures of a training run: its loss and accuracy curves, the classifier's decision
boundary in the plane, and for images its first layer's kernels and its confusion matrix. PNG
images drawn by matplotlib's Agg renderer, so no display is needed, returned as bytes for the
caller to write (``chainrule train`` writes all of its files at once, see
:func:`autograd.atomic.write_all_atomically`)."""

from __future__ import annotations

import io
import math
from collections.abc import Sequence
from typing import cast

from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.colors import ListedColormap
from matplotlib.figure import Figure
from matplotlib.lines import Line2D

from autograd import Value
from nn.checks import integer
from nn.metrics import evaluating, label_of
from nn.module import Module
from nn.scalars import as_list
from nn.training import History


class PictureError(ValueError):
    """What a picture cannot show (numbers that are not finite), said in a learner's words."""


#: The most grid points along each axis of a decision boundary: the model is evaluated at each
#: of the resolution² points.
MAX_RESOLUTION = 400
#: How much work a decision boundary takes by default, in grid points × parameters: 60 × 60
#: points for a model of up to 5,000 parameters, fewer for a larger one (8 × 8 at the least).
GRID_WORK = 60 * 60 * 5_000

COLOURS = ["#1f77b4", "#d62728", "#2ca02c", "#9467bd", "#ff7f0e", "#8c564b"]


def _colour(label: int) -> str:
    """The colour of class ``label`` (colours repeat after six classes)."""
    return COLOURS[label % len(COLOURS)]


def _png(figure: Figure) -> bytes:
    """``figure`` rendered as PNG."""
    FigureCanvasAgg(figure)
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png", dpi=110)
    return buffer.getvalue()


def curves_png(history: History) -> bytes:
    """Loss (left axis) and accuracy (right axis) against the training step, as PNG."""
    if not all(map(math.isfinite, history.loss)):
        raise PictureError("the loss is not finite at every step: its curve cannot be drawn")
    figure = Figure(figsize=(7, 4), layout="constrained")
    loss_axes = figure.add_subplot()
    steps = range(1, len(history.loss) + 1)
    loss_axes.plot(steps, history.loss, color="black", label="loss (batch)")
    loss_axes.set_xlabel("step")
    loss_axes.set_ylabel("loss")
    accuracy_axes = loss_axes.twinx()
    accuracy_axes.plot(steps, history.accuracy, color=COLOURS[0], label="accuracy (batch)")
    if history.test_accuracy:
        accuracy_axes.plot(
            history.test_steps, history.test_accuracy, color=COLOURS[1], label="accuracy (test)"
        )
    accuracy_axes.set_ylabel("accuracy")
    accuracy_axes.set_ylim(0.0, 1.02)
    lines = loss_axes.get_lines() + accuracy_axes.get_lines()
    loss_axes.legend(lines, [str(line.get_label()) for line in lines], loc="center right")
    loss_axes.set_title("Training")
    return _png(figure)


def decision_boundary_png(
    model: Module,
    x: Sequence[Sequence[float]],
    y: Sequence[int],
    *,
    x_test: Sequence[Sequence[float]] = (),
    y_test: Sequence[int] = (),
    resolution: int | None = None,
) -> bytes:
    """The plane coloured by the class ``model`` predicts, with the training points (dots) and
    the held-out points (crosses) in their true class's colour, as PNG. ``model`` takes two
    inputs; it is evaluated at ``resolution`` × ``resolution`` points of the plane (by default
    as many as :data:`GRID_WORK` allows, at most 60 × 60)."""
    if resolution is None:
        work = GRID_WORK // max(1, len(model.parameters()))
        resolution = max(8, min(60, math.isqrt(work)))
    resolution = integer(resolution, "resolution", low=2, high=MAX_RESOLUTION)
    points = [*x, *x_test]
    if not all(math.isfinite(c) for p in points for c in p):
        raise PictureError("the points are not all finite: the plane around them cannot be drawn")
    low = [min(p[i] for p in points) - 0.5 for i in (0, 1)]
    high = [max(p[i] for p in points) + 0.5 for i in (0, 1)]
    grid = [
        [low[i] + (high[i] - low[i]) * k / (resolution - 1) for k in range(resolution)]
        for i in (0, 1)
    ]
    with evaluating(model):
        outputs = [[model([a, b]) for a in grid[0]] for b in grid[1]]
    figure = Figure(figsize=(6, 5), layout="constrained")
    axes = figure.add_subplot()
    values = [float(o) for row in outputs for output in row for o in as_list(output)]
    if not all(map(math.isfinite, values)):
        raise PictureError(
            "the model's outputs are not finite everywhere on the plane: its decision boundary "
            "cannot be drawn"
        )
    first = outputs[0][0]
    if isinstance(first, Value):
        # One score, whose sign is the class: contouring the score itself at 0 draws a smooth
        # boundary, where contouring the labels would draw a staircase.
        scores = [[cast(Value, output).data for output in row] for row in outputs]
        # Below and above 0 even when every score has the same sign (one class everywhere).
        levels = [min(0.0, *map(min, scores)) - 1.0, 0.0, max(0.0, *map(max, scores)) + 1.0]
        axes.contourf(*grid, scores, levels=levels, colors=COLOURS[:2], alpha=0.25)
    else:
        # Several classes: colour each grid cell by its label (contours of the labels would
        # pass through the classes between two neighbours' numbers).
        classes = len(first)
        labels = [[label_of(output) for output in row] for row in outputs]
        palette = ListedColormap([_colour(k) for k in range(classes)])
        axes.pcolormesh(
            *grid,
            labels,
            cmap=palette,
            vmin=-0.5,
            vmax=classes - 0.5,
            shading="nearest",
            alpha=0.25,
        )
    for xs, ys, marker in ((x, y, "o"), (x_test, y_test, "x")):
        if xs:
            axes.scatter(
                [p[0] for p in xs],
                [p[1] for p in xs],
                c=[_colour(k) for k in ys],
                marker=marker,
                s=18,
            )
    axes.set_xlim(low[0], high[0])
    axes.set_ylim(low[1], high[1])
    axes.set_xlabel("x₁")
    axes.set_ylabel("x₂")
    # Legend markers in grey: the colours belong to the classes, the shapes to the sets.
    markers = [Line2D([], [], color="grey", marker=m, linestyle="") for m in ("o", "x")]
    axes.legend(markers, ["train", "test"], loc="upper right")
    axes.set_title("Decision boundary")
    return _png(figure)


def kernels_png(kernels: Sequence[Sequence[Sequence[float]]], title: str) -> bytes:
    """Each kernel (a grid of weights: one input channel of a ``Conv2d`` kernel, or a ``Linear``
    neuron's weights on an image's pixels) as a small image, as PNG. Each is coloured on its
    own symmetric scale, red for positive and blue for negative weights, white for 0."""
    if not kernels:
        raise PictureError("there are no kernels to draw")
    if not all(math.isfinite(w) for kernel in kernels for row in kernel for w in row):
        raise PictureError("the kernels' weights are not all finite: they cannot be drawn")
    columns = min(8, len(kernels))
    rows = math.ceil(len(kernels) / columns)
    figure = Figure(figsize=(1.2 * columns, 1.2 * rows + 0.4), layout="constrained")
    for k, kernel in enumerate(kernels):
        axes = figure.add_subplot(rows, columns, k + 1)
        largest = max(abs(w) for row in kernel for w in row) or 1.0
        axes.imshow(kernel, cmap="RdBu_r", vmin=-largest, vmax=largest)
        axes.set_xticks([])
        axes.set_yticks([])
        axes.set_title(str(k), fontsize=8)
    figure.suptitle(title)
    return _png(figure)


def confusion_png(labels: Sequence[int], predicted: Sequence[int], classes: int) -> bytes:
    """The confusion matrix, as PNG: row i, column j counts the examples of class i predicted
    as class j, so the diagonal holds the right answers."""
    if len(labels) != len(predicted) or not labels:
        raise PictureError(f"need one prediction per label, got {len(predicted)} and {len(labels)}")
    counts = [[0] * classes for _ in range(classes)]
    for label, guess in zip(labels, predicted, strict=True):
        counts[label][guess] += 1
    figure = Figure(figsize=(0.5 * classes + 2, 0.5 * classes + 1.5), layout="constrained")
    axes = figure.add_subplot()
    axes.imshow(counts, cmap="Blues")
    largest = max(map(max, counts))
    for i, row in enumerate(counts):
        for j, count in enumerate(row):
            if count:
                colour = "white" if count > largest / 2 else "black"
                axes.text(j, i, str(count), ha="center", va="center", color=colour, fontsize=8)
    axes.set_xticks(range(classes))
    axes.set_yticks(range(classes))
    axes.set_xlabel("predicted")
    axes.set_ylabel("true")
    right = sum(counts[k][k] for k in range(classes))
    axes.set_title(f"Confusion matrix ({right}/{len(labels)} right)")
    return _png(figure)
