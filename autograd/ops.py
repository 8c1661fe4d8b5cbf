"""The op table: every operation's forward value and local derivatives, side by side.

Each op is written once, as a rule over an arithmetic namespace ``m``:

* ``forward(m, *xs)`` gives the op's value;
* ``derivatives(m, out, *xs)`` gives the local derivatives ∂out/∂xᵢ, one per input, written
  with ordinary arithmetic on the inputs ``xs`` and the output ``out``;
* ``domain(*xs)``, when the op has one, returns what is wrong with the inputs (or ``None``).

``m`` is a namespace of functions, declared below as the protocol :class:`Math`. The same rule
serves every use through it. Every new node's value and local derivatives are computed on
floats (:class:`autograd.floatmath.FloatMath`), which eager ``backward()`` then multiplies and
adds. ``backward(create_graph=True)`` evaluates ``derivatives`` on ``Value`` nodes
(:class:`autograd.valuemath.ValueMath`), so that gradients get a graph of their own and can be
differentiated again. Forward mode (:mod:`autograd.forward`) uses the same local derivatives.
The compiled replay, the eager engine's generated functions and the explorer page evaluate it
on symbols (:class:`autograd.symbols.SymbolMath`) and so write it as code, Python or
JavaScript. A learner finds each derivative in exactly one place below; the graph walk in
:mod:`autograd.backprop` knows no op. An op of your own is a subclass of :class:`Op`, written
the same way, and gets every one of these uses.

The notation is the usual one: σ(z) = 1/(1 + e⁻ᶻ), z = Σ wᵢxᵢ + b, and so on.
"""

from __future__ import annotations

import functools
import inspect
import math
import operator
from abc import ABC, abstractmethod
from collections.abc import Callable
from typing import TYPE_CHECKING, Any, Protocol

from autograd.floatmath import CUT

if TYPE_CHECKING:
    from autograd.value import Value

#: An operand of a rule: a float, a ``Value`` or a symbol, depending on the namespace.
Operand = Any


class Math(Protocol):
    """What a rule may call on its namespace ``m``, beside ``+ − × ÷`` and unary ``−`` on its
    operands and numbers. Each namespace computes these its own way: on floats, on ``Value``
    nodes (recording a graph) or on symbols (writing code)."""

    def abs(self, x: Operand) -> Operand:
        """|x|."""

    def exp(self, x: Operand) -> Operand:
        """eˣ."""

    def log(self, x: Operand) -> Operand:
        """ln x."""

    def sqrt(self, x: Operand) -> Operand:
        """√x."""

    def power(self, x: Operand, y: Operand) -> Operand:
        """xʸ."""

    def tanh(self, x: Operand) -> Operand:
        """tanh x."""

    def sigmoid(self, x: Operand) -> Operand:
        """σ(x) = 1/(1 + e⁻ˣ)."""

    def softplus(self, x: Operand) -> Operand:
        """ln(1 + eˣ)."""

    def sin(self, x: Operand) -> Operand:
        """sin x."""

    def cos(self, x: Operand) -> Operand:
        """cos x."""

    def relu(self, x: Operand) -> Operand:
        """max(0, x)."""

    def step(self, x: Operand) -> Operand:
        """1 for x > 0, else 0: a constant wherever it is differentiated (a float)."""

    def sign(self, x: Operand) -> Operand:
        """−1, 0 or 1 by the sign of x: a constant wherever it is differentiated (a float)."""


#: The names of the functions of :class:`Math`, which every namespace provides.
MATH_FUNCTIONS = tuple(name for name in vars(Math) if not name.startswith("_"))

#: How an op applied to its inputs becomes a node of the graph: :func:`autograd.value.apply`,
#: which registers itself here (:func:`applied_with`) when it is imported. The engine's other
#: modules import this one, so this one cannot import them.
_application: list[Callable[..., Any]] = []


def applied_with(apply: Callable[..., Any]) -> Callable[..., Any]:
    """Register ``apply`` as what calling an op does (a decorator, used once, by ``Value``)."""
    _application[:] = [apply]
    return apply


#: How an op is written as its eager function: :func:`autograd.eager.source`, registered the
#: same way (:func:`written_with`).
_writer: list[Callable[[Op], str | None]] = []


def written_with(write: Callable[[Op], str | None]) -> None:
    """Register ``write`` as what ``Op.eager_source`` gives (used once, by ``autograd.eager``)."""
    _writer[:] = [write]


#: No eager functions yet (an op not applied so far).
_NONE: dict[int, Any] = {}


class Op(ABC):
    """One differentiable operation: the base class of every op, the built-in ones and yours.

    An op is one class, its value and its local derivatives side by side, written over the
    namespace ``m`` (:class:`autograd.ops.Math`) so that the same rule serves every use: eager
    ``backward()``, ``create_graph=True`` and ``grad(grad(f))``, forward mode (``jvp``,
    ``jacobian``, ``hessian``), the compiled replay on floats and NumPy batches, drawings and
    anomaly detection. ::

        class Cube(Op):  # x³;  d/dx = 3x²
            name = symbol = "cube"

            def forward(self, m, x):
                return x * x * x

            def derivatives(self, m, out, x):
                return (3.0 * x * x,)

        cube = Cube()
        y = cube(Value(2.0))  # a node of the graph: y.data == 8.0, and y.backward() works

    * ``name`` names the op in error messages; ``symbol`` is how it reads on a drawing and in
      ``Value.op`` (the name when empty). Without a name of its own, a class is named by its
      class name: two ops may share a symbol (a subclass inherits it), never a name.
    * ``forward(m, *xs)`` is the value; ``derivatives(m, out, *xs)`` the local derivatives
      ∂out/∂xᵢ, one per input, as a tuple, written with the inputs ``xs`` and the output
      ``out``. Both may use ``+ − × ÷``, unary ``−`` and ``abs()`` on their operands and
      numbers, and the functions of ``m``; nothing else (no ``**``: ``m.power``; no
      comparisons or ``if`` on an operand: ``m.step``, ``m.sign``, ``m.relu``; no ``math``
      functions or ``float()``, which would cut the operand out of ``create_graph`` and the
      replay). A rule that breaks this is refused, with the op and the problem named, when the
      op is first applied.
    * ``domain(*xs)``, when the op has one, says what is wrong with inputs outside it (or
      ``None``); such inputs raise :class:`autograd.errors.DomainError`.
    * ``margin(*xs)`` is the distance of the inputs from a kink or a pole, which property tests
      (:func:`autograd.testing.check_op`) keep away from.

    An instance is called like a function, on Values or numbers (numbers become constants):
    the result is a new ``Value``. Ops taking any number of inputs declare ``*xs``.
    """

    name: str = ""
    #: How the op reads on a drawing and in ``Value.op``.
    symbol: str = ""
    #: Whether the op has a ``domain`` of its own (set for each subclass): ops defined everywhere
    #: skip the call, one of the costliest steps of creating a node.
    has_domain: bool = False
    #: How many inputs the op takes, from ``forward``'s signature (``None``: any number).
    arity: int | None = None
    #: The numbers of inputs this op has been checked with (see ``autograd.value.apply``).
    _checked_arities: tuple[int, ...] = ()

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        cls.has_domain = cls.domain is not Op.domain
        # A subclass is an op of its own (one that fixes a derivative, say), so it names itself.
        cls.name = vars(cls).get("name") or cls.__name__
        if "arity" not in vars(cls):
            cls.arity = _arity(cls.forward)

    def __call__(self, *inputs: Value | float) -> Value:
        """The op applied to ``inputs`` (Values or numbers): a new node of the graph."""
        # An optimisation: after the first call with this many inputs, the op's eager function
        # (kept by autograd.value.apply) is called at once.
        function = self.__dict__.get("_eager_functions", _NONE).get(len(inputs))
        if function is None:
            function = functools.partial(_application[0], self)
        node: Value = function(*inputs)
        return node

    @abstractmethod
    def forward(self, m: Math, *xs: Operand) -> Operand:
        """The op's value at ``xs``."""

    @abstractmethod
    def derivatives(self, m: Math, out: Operand, *xs: Operand) -> tuple[Operand, ...]:
        """The local derivatives ∂out/∂xᵢ, one per input."""

    def domain(self, *xs: float) -> str | None:
        """What is wrong with these inputs, or ``None`` when the op is defined at them."""
        return None

    def margin(self, *xs: float) -> float:
        """How far the inputs are from a point where the op is not smooth (a kink or a pole).

        Random tests keep away from such points, where finite differences are meaningless.
        """
        return math.inf

    @property
    def eager_source(self) -> str | None:
        """The Python function that applies this op in the eager engine, written from its rule
        (see :mod:`autograd.eager`); ``None`` for an op of any number of inputs, which is
        interpreted, or a rule that cannot be written as code."""
        return _writer[0](self)

    def __repr__(self) -> str:
        return self.symbol or self.name


def _arity(forward: Callable[..., Any]) -> int | None:
    """The number of inputs ``forward(self, m, *xs)`` takes (``None`` for ``*xs``)."""
    parameters = list(inspect.signature(forward).parameters.values())[2:]
    if any(p.kind is p.VAR_POSITIONAL for p in parameters):
        return None
    return sum(p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD) for p in parameters)


class Add(Op):
    """x + y;  ∂/∂x = 1, ∂/∂y = 1."""

    name = symbol = "+"

    def forward(self, m: Math, x: Operand, y: Operand) -> Operand:
        return x + y

    def derivatives(self, m: Math, out: Operand, x: Operand, y: Operand) -> tuple[Operand, ...]:
        return (1.0, 1.0)


class Sub(Op):
    """x − y;  ∂/∂x = 1, ∂/∂y = −1."""

    name = symbol = "-"

    def forward(self, m: Math, x: Operand, y: Operand) -> Operand:
        return x - y

    def derivatives(self, m: Math, out: Operand, x: Operand, y: Operand) -> tuple[Operand, ...]:
        return (1.0, -1.0)


class Mul(Op):
    """x · y;  ∂/∂x = y, ∂/∂y = x."""

    name = symbol = "*"

    def forward(self, m: Math, x: Operand, y: Operand) -> Operand:
        return x * y

    def derivatives(self, m: Math, out: Operand, x: Operand, y: Operand) -> tuple[Operand, ...]:
        return (y, x)


class Div(Op):
    """x / y;  ∂/∂x = 1/y, ∂/∂y = −x/y² = −out/y.  Undefined at y = 0."""

    name = symbol = "/"

    def forward(self, m: Math, x: Operand, y: Operand) -> Operand:
        return x / y

    def derivatives(self, m: Math, out: Operand, x: Operand, y: Operand) -> tuple[Operand, ...]:
        return (1.0 / y, -out / y)

    def domain(self, x: float, y: float) -> str | None:
        return f"division by zero ({x!r} / {y!r})" if y == 0 else None

    def margin(self, x: float, y: float) -> float:
        return abs(y)


class Neg(Op):
    """−x;  d/dx = −1."""

    name = "neg"
    symbol = "-"

    def forward(self, m: Math, x: Operand) -> Operand:
        return -x

    def derivatives(self, m: Math, out: Operand, x: Operand) -> tuple[Operand, ...]:
        return (-1.0,)


class Identity(Op):
    """x (a new node for the same number);  d/dx = 1."""

    name = "identity"
    symbol = "id"

    def forward(self, m: Math, x: Operand) -> Operand:
        return x

    def derivatives(self, m: Math, out: Operand, x: Operand) -> tuple[Operand, ...]:
        return (1.0,)


class Power(Op):
    """xᶜ for a constant exponent c, defined everywhere with IEEE answers (0⁻¹ = inf,
    (−0)⁻¹ = −inf, (−8)^⅓ = NaN);  d/dx = c·xᶜ⁻¹.

    The power a rule takes: ``m.power`` on ``Value`` nodes (:mod:`autograd.valuemath`), so that a
    derivative's own graph answers where the float rule does. ½·out⁻¹, √'s derivative, is inf at
    out = 0 on floats; on Values it must be the same inf, not an error, or the second derivative
    would fail where the first answers (√relu(x) at x = −1: the mask cuts that inf to 0, as in
    PyTorch). Three forms are written with the output instead, where that is stabler or exact:

    * c = 0: x⁰ = 1 is constant, its derivative is :data:`autograd.floatmath.CUT` (0 also at
      x = 0, where c·xᶜ⁻¹ would be 0 · inf; PyTorch's convention);
    * c = ½: ½/√x = ½·out⁻¹, as for :class:`Sqrt`;
    * c < 0: c·out·x⁻¹, so that a second derivative multiplies the gradient by out and by x⁻²
      one after the other: a single factor xᶜ⁻² underflows to 0 for a large x even where the
      gradient it multiplies keeps the product within range.
    """

    name = "power"

    def __init__(self, exponent: float):
        self.exponent = exponent
        self.symbol = f"**{exponent:g}"

    def forward(self, m: Math, x: Operand) -> Operand:
        return m.power(x, self.exponent)

    def derivatives(self, m: Math, out: Operand, x: Operand) -> tuple[Operand, ...]:
        c = self.exponent
        if c == 0:
            return (CUT,)
        if c == 0.5:
            return (0.5 * m.power(out, -1.0),)
        if c < 0:
            return (c * out * m.power(x, -1.0),)
        return (c * m.power(x, c - 1.0),)


class PowConst(Power):
    """x ** c for a constant exponent c, as a user writes it;  d/dx = c·xᶜ⁻¹ (:class:`Power`).

    Undefined for x = 0 with c < 0, and for x < 0 with a non-integer c: the domain of ``**``.
    """

    name = "pow"

    def __init__(self, exponent: float):
        super().__init__(exponent)
        # A whole exponent c ≥ 0 is defined at every x (``x ** 2``): nothing to check.
        self.has_domain = not (exponent >= 0 and float(exponent).is_integer())

    def domain(self, x: float) -> str | None:
        c = self.exponent
        if x == 0 and c < 0:
            return f"0 ** {c!r}: zero cannot be raised to a negative power"
        if x < 0 and not float(c).is_integer():
            return f"{x!r} ** {c!r}: a negative number has no real non-integer power"
        return None

    def margin(self, x: float) -> float:
        return math.inf if float(self.exponent).is_integer() and self.exponent >= 0 else abs(x)


class Pow(Op):
    """xʸ with a ``Value`` exponent;  ∂/∂x = y·xʸ⁻¹, ∂/∂y = xʸ·ln x.  Needs x > 0."""

    name = symbol = "**"

    def forward(self, m: Math, x: Operand, y: Operand) -> Operand:
        return m.power(x, y)

    def derivatives(self, m: Math, out: Operand, x: Operand, y: Operand) -> tuple[Operand, ...]:
        return (y * m.power(x, y - 1.0), out * m.log(x))

    def domain(self, x: float, y: float) -> str | None:
        if x > 0 or x != x:
            return None
        return (
            f"{x!r} ** y with a Value exponent y: the base must be positive, because "
            "∂(xʸ)/∂y = xʸ·ln x needs ln x (use a constant exponent for a base ≤ 0)"
        )

    def margin(self, x: float, y: float) -> float:
        return x


class Abs(Op):
    """|x|;  d/dx = sign x (0 at the kink x = 0, and at NaN).

    As in PyTorch, the derivative multiplies the gradient by sign x: at x = 0 an infinite
    gradient (√|x| at 0) gives 0 · inf = NaN, not 0; only relu's mask cuts the path.
    """

    name = symbol = "abs"

    def forward(self, m: Math, x: Operand) -> Operand:
        return m.abs(x)

    def derivatives(self, m: Math, out: Operand, x: Operand) -> tuple[Operand, ...]:
        return (m.sign(x),)

    def margin(self, x: float) -> float:
        return abs(x)


class Exp(Op):
    """eˣ;  d/dx = eˣ = out."""

    name = symbol = "exp"

    def forward(self, m: Math, x: Operand) -> Operand:
        return m.exp(x)

    def derivatives(self, m: Math, out: Operand, x: Operand) -> tuple[Operand, ...]:
        return (out,)


class Log(Op):
    """ln x;  d/dx = 1/x.  Needs x > 0."""

    name = symbol = "log"

    def forward(self, m: Math, x: Operand) -> Operand:
        return m.log(x)

    def derivatives(self, m: Math, out: Operand, x: Operand) -> tuple[Operand, ...]:
        return (1.0 / x,)

    def domain(self, x: float) -> str | None:
        return None if x > 0 or x != x else f"log({x!r}): log is defined only for x > 0"

    def margin(self, x: float) -> float:
        return x


class Sqrt(Op):
    """√x;  d/dx = 1/(2√x) = ½·out⁻¹.  Needs x ≥ 0; the derivative is infinite at 0.

    Written with the output, as PyTorch does: the second derivative then multiplies the
    gradient by −½·out⁻² and by ½·out⁻¹ in turn, where ½·x^(−½) would multiply it by
    −¼·x^(−3/2) at once, which underflows to 0 for x > 1e205 even when the product is a normal
    number.
    """

    name = symbol = "sqrt"

    def forward(self, m: Math, x: Operand) -> Operand:
        return m.sqrt(x)

    def derivatives(self, m: Math, out: Operand, x: Operand) -> tuple[Operand, ...]:
        return (0.5 * m.power(out, -1.0),)

    def domain(self, x: float) -> str | None:
        return None if x >= 0 or x != x else f"sqrt({x!r}): sqrt is defined only for x ≥ 0"

    def margin(self, x: float) -> float:
        return x


class Tanh(Op):
    """tanh x = (eˣ − e⁻ˣ)/(eˣ + e⁻ˣ);  d/dx = 1 − tanh² x."""

    name = symbol = "tanh"

    def forward(self, m: Math, x: Operand) -> Operand:
        return m.tanh(x)

    def derivatives(self, m: Math, out: Operand, x: Operand) -> tuple[Operand, ...]:
        return (1.0 - out * out,)


class Sigmoid(Op):
    """σ(x) = 1/(1 + e⁻ˣ);  σ'(x) = σ(x)(1 − σ(x))."""

    name = symbol = "sigmoid"

    def forward(self, m: Math, x: Operand) -> Operand:
        return m.sigmoid(x)

    def derivatives(self, m: Math, out: Operand, x: Operand) -> tuple[Operand, ...]:
        return (out * (1.0 - out),)


class Relu(Op):
    """ReLU(x) = max(0, x);  d/dx = 1 for x > 0, else 0.

    PyTorch's conventions: relu(NaN) is NaN, and the 0 of the derivative is a mask
    (:data:`autograd.floatmath.CUT`), so an infinite gradient from above (√relu(x) at x ≤ 0)
    gives 0, not NaN. (At NaN the derivative is 0; PyTorch's is 1 there.)
    """

    name = symbol = "relu"

    def forward(self, m: Math, x: Operand) -> Operand:
        return m.relu(x)

    def derivatives(self, m: Math, out: Operand, x: Operand) -> tuple[Operand, ...]:
        return (m.step(x),)

    def margin(self, x: float) -> float:
        return abs(x)


class LeakyRelu(Op):
    """LeakyReLU(x) = x for x > 0, αx otherwise;  d/dx = 1 for x > 0, else α.

    As in PyTorch, leaky_relu(NaN) is NaN and its derivative there is α.
    """

    name = "leaky_relu"

    def __init__(self, slope: float = 0.01):
        self.slope = slope
        self.symbol = f"leaky_relu({slope:g})"

    def forward(self, m: Math, x: Operand) -> Operand:
        return m.relu(x) - self.slope * m.relu(-x)

    def derivatives(self, m: Math, out: Operand, x: Operand) -> tuple[Operand, ...]:
        return (self.slope + (1.0 - self.slope) * m.step(x),)

    def margin(self, x: float) -> float:
        return abs(x)


class Softplus(Op):
    """softplus(x) = ln(1 + eˣ);  d/dx = σ(x)."""

    name = symbol = "softplus"

    def forward(self, m: Math, x: Operand) -> Operand:
        return m.softplus(x)

    def derivatives(self, m: Math, out: Operand, x: Operand) -> tuple[Operand, ...]:
        return (m.sigmoid(x),)


class Sin(Op):
    """sin x;  d/dx = cos x."""

    name = symbol = "sin"

    def forward(self, m: Math, x: Operand) -> Operand:
        return m.sin(x)

    def derivatives(self, m: Math, out: Operand, x: Operand) -> tuple[Operand, ...]:
        return (m.cos(x),)


class Cos(Op):
    """cos x;  d/dx = −sin x."""

    name = symbol = "cos"

    def forward(self, m: Math, x: Operand) -> Operand:
        return m.cos(x)

    def derivatives(self, m: Math, out: Operand, x: Operand) -> tuple[Operand, ...]:
        return (-m.sin(x),)


class Masked(Op):
    """A gradient g stopped by relu's closed mask: 0 for every g, inf and NaN included;
    d/dg = 0, the mask again (:data:`autograd.floatmath.CUT`).

    Made only in a gradient's own graph (``create_graph=True``): there relu′ = 0 times a
    ``Value`` gradient is this node, not the number 0, because PyTorch keeps its mask in the
    graph too (``threshold_backward``). Differentiating again sends a 0 back through it, and
    that 0 times an infinite factor behind it (½·out⁻¹ of √ at 0) is NaN, as in PyTorch.
    """

    name = "masked"
    symbol = "0·"

    def forward(self, m: Math, g: Operand) -> Operand:
        return CUT * g

    def derivatives(self, m: Math, out: Operand, g: Operand) -> tuple[Operand, ...]:
        return (CUT,)


class Linear(Op):
    """A neuron's weighted sum z = Σ wᵢxᵢ + b, as one node.

    Inputs are ``w₁ … wₙ, x₁ … xₙ, b``;  ∂z/∂wᵢ = xᵢ, ∂z/∂xᵢ = wᵢ, ∂z/∂b = 1.
    One node instead of 2n keeps a network's graph small and readable.
    """

    name = symbol = "linear"

    def forward(self, m: Math, *wxb: Operand) -> Operand:
        n = len(wxb) // 2
        return sum(map(operator.mul, wxb[:n], wxb[n : 2 * n]), wxb[-1])

    def derivatives(self, m: Math, out: Operand, *wxb: Operand) -> tuple[Operand, ...]:
        n = len(wxb) // 2
        return (*wxb[n : 2 * n], *wxb[:n], 1.0)


class Total(Op):
    """A sum of many terms Σ xᵢ, as one node;  ∂/∂xᵢ = 1."""

    name = "total"
    symbol = "Σ"

    def forward(self, m: Math, *xs: Operand) -> Operand:
        return sum(xs[1:], xs[0])

    def derivatives(self, m: Math, out: Operand, *xs: Operand) -> tuple[Operand, ...]:
        return (1.0,) * len(xs)


class BatchMean(Op):
    """The mean of x over the examples of a batch, μ = (1/N) Σₙ xₙ, the same for every
    example;  ∂μ/∂xₙ = 1/N.

    A compiled loss is traced on one example and replayed on a batch, one row per example
    (:mod:`autograd.replay.batch`); this op is how a traced graph asks for a statistic of the
    whole batch (batch normalisation's mean and variance). The batch replay writes it as the
    mean of its operand's rows, given to every row, and its chain rule as the same mean of the
    gradients, ∂L/∂xₙ = (1/N) Σₙ' ∂L/∂μₙ' (the map that gives every row the mean is its own
    transpose). Everywhere else there is one example, N = 1: μ = x and dμ/dx = 1, as below.
    """

    name = "batch_mean"
    symbol = "batch mean"

    def forward(self, m: Math, x: Operand) -> Operand:
        return x

    def derivatives(self, m: Math, out: Operand, x: Operand) -> tuple[Operand, ...]:
        return (1.0,)


ADD, SUB, MUL, DIV, NEG, IDENTITY, POW = Add(), Sub(), Mul(), Div(), Neg(), Identity(), Pow()
ABS, EXP, LOG, SQRT, TANH, SIGMOID, RELU = Abs(), Exp(), Log(), Sqrt(), Tanh(), Sigmoid(), Relu()
SOFTPLUS, SIN, COS, LINEAR, TOTAL = Softplus(), Sin(), Cos(), Linear(), Total()
MASKED = Masked()
BATCH_MEAN = BatchMean()
