"""Safe model files: the value codec and save/load.

What other layers may import (from ``sk_alrnn.io``): :class:`PersistenceMixin`
(gives an estimator ``save(path)``) and :func:`load`.
"""

from ._persistence import PersistenceMixin, load

__all__ = ["PersistenceMixin", "load"]
