"""Root pytest configuration: skip the doctests of modules whose optional library is missing.

``--doctest-modules`` imports every module under sk_alrnn/; the sktime and aeon
adapters import their library at import time, so without it they are not
collected (aeon lives in its own environment: ``make test-aeon``).  The
MNIST-1D loader's example generates data with the ``mnist1d`` extra.
"""

import importlib.util

collect_ignore = [
    path
    for path, library in [
        ("sk_alrnn/contrib/sktime.py", "sktime"),
        ("sk_alrnn/contrib/aeon.py", "aeon"),
        ("sk_alrnn/contrib/onnx.py", "onnx"),
        ("sk_alrnn/datasets/_mnist1d.py", "mnist1d"),
    ]
    if importlib.util.find_spec(library) is None
]
