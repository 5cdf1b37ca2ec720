"""Adapters to other time-series libraries.

Each submodule imports its library when it is imported itself, so
``import sk_alrnn`` never needs them:

* :mod:`sk_alrnn.contrib.sktime` -- sktime classifier/regressor (``pip install sktime``);
* :mod:`sk_alrnn.contrib.aeon` -- aeon classifier/regressor (``pip install aeon``; in its
  own environment, as aeon pins an older numpy);
* :mod:`sk_alrnn.contrib.tslearn` -- tslearn's NaN-padded arrays to and from lists
  (numpy only; tslearn itself is not needed);
* :mod:`sk_alrnn.contrib.onnx` -- ONNX export of a fitted estimator's inference path
  (``pip install onnx onnxruntime``).
"""
