"""A short demonstration of the engine: one neuron, its gradients, and a checked derivative."""

from __future__ import annotations

from autograd import Value, grad, gradcheck, topological_order


def main() -> None:
    x1, x2 = Value(2.0, label="x1"), Value(0.0, label="x2")
    w1, w2 = Value(-3.0, label="w1"), Value(1.0, label="w2")
    b = Value(6.8813735870195432, label="b")
    o = (x1 * w1 + x2 * w2 + b).tanh()
    o.label = "o"
    o.backward()
    print("o = tanh(x1·w1 + x2·w2 + b)")
    for node in reversed(topological_order(o)):
        name = node.label or node.op
        print(f"  {name:>6}  data {node.data: .6f}   ∂o/∂{name} = {node.grad: .6f}")

    def f(x: Value) -> Value:
        return x.sin() * x

    print("f(x) = x·sin x:  f'(1) =", grad(f)(1.0), "  f''(1) =", grad(grad(f))(1.0))
    print("gradcheck of f up to order 2 at x = 1:", gradcheck(f, [1.0], order=2))


if __name__ == "__main__":
    main()
