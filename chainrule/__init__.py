"""The ``chainrule`` command: train a model, predict with it, draw an expression, check one.

* :mod:`chainrule.cli`: the argument parser and :func:`chainrule.cli.main`, which turns expected
  mistakes into one line on stderr and exit code 2;
* :mod:`chainrule.train`: ``train`` and ``predict``;
* :mod:`chainrule.draw`: ``draw`` and ``check``;
* :mod:`chainrule.expression`: the parser of typed expressions (a whitelist, never ``eval``);
* :mod:`chainrule.errors`: :class:`chainrule.errors.UsageError`.

Dependencies point one way: ``chainrule`` → ``nn`` → ``autograd``.
"""
