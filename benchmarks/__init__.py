"""chainrule side by side with its peers: speed and memory, as ratios measured in one run.

``python -m benchmarks`` (or ``make bench``) runs, in one process and interleaved, the same work on
this engine, on micrograd (the best-known minimal engine), on PyTorch with 0-d tensors when it is
installed, and by hand with plain floats (the raw-Python limit). It prints a table of times and
ratios (medians of several rounds) and writes it as JSON, Markdown and a bar chart into
``benchmarks/results/``. See :mod:`benchmarks.run` for the options.
"""
