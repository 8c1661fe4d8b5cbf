"""The package: what ``import autograd`` costs, and code written for micrograd."""

from __future__ import annotations

import subprocess
import sys

from autograd import Value


def test_import_autograd_imports_no_third_party_module():
    script = (
        "import sys; before = set(sys.modules); import autograd; "
        "new = {m.split('.')[0] for m in set(sys.modules) - before}; "
        "print(sorted(m for m in new if m not in sys.stdlib_module_names and m != 'autograd'))"
    )
    result = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, check=True
    )
    assert result.stdout.strip() == "[]"


def test_strategies_and_drawing_load_on_first_use():
    script = (
        "import sys, autograd; assert 'hypothesis' not in sys.modules; "
        "autograd.strategies.expressions; assert 'hypothesis' in sys.modules"
    )
    subprocess.run([sys.executable, "-c", script], check=True)


def test_micrograd_style_code_runs_unchanged():
    a = Value(-4.0)
    b = Value(2.0)
    c = a + b
    d = a * b + b**3
    c += c + 1
    c += 1 + c + (-a)
    d += d * 2 + (b + a).relu()
    d += 3 * d + (b - a).relu()
    e = c - d
    f = e**2
    g = f / 2.0
    g += 10.0 / f
    g.backward()
    # The values micrograd's own test checks against PyTorch.
    assert abs(g.data - 24.70408163265306) < 1e-12
    assert abs(a.grad - 138.83381924198252) < 1e-12
    assert abs(b.grad - 645.5772594752186) < 1e-12
