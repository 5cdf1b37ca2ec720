"""Where the on-disk corpora are: a path given by the user, or the ``SK_ALRNN_DATA`` folder.

The loaders of recorded corpora (spoken digits, SCAN) never download: they read a
file or folder the user already has.  ``path`` may name the file (or folder) itself
or the folder that holds it; when it is None, the environment variable
``SK_ALRNN_DATA`` names that folder.
"""

from __future__ import annotations

import os
from pathlib import Path

from ..utils import input_error

DATA_ENV = "SK_ALRNN_DATA"


def resolve_data_path(path: str | os.PathLike | None, name: str, owner: str) -> Path:
    """The path of corpus ``name`` (a file or folder name) from ``path`` or ``SK_ALRNN_DATA``.

    Parameters
    ----------
    path : str, path-like or None
        The corpus itself, or a folder that holds it under ``name``.  None reads
        the folder named by the environment variable ``SK_ALRNN_DATA``.
    name : str
        The corpus's file or folder name, e.g. ``"fsdd.npz"`` or ``"scan"``.
    owner : str
        The calling loader, for the error message.

    Returns
    -------
    path : pathlib.Path
        An existing file or folder.

    Raises
    ------
    ValueError
        If neither ``path`` nor ``SK_ALRNN_DATA`` is given, or nothing exists there.

    Examples
    --------
    >>> import tempfile
    >>> from pathlib import Path
    >>> folder = Path(tempfile.mkdtemp())
    >>> (folder / "scan").mkdir()
    >>> resolve_data_path(folder, "scan", "load_scan") == folder / "scan"
    True
    """
    if path is None:
        root = os.environ.get(DATA_ENV)
        if not root:
            raise input_error(
                f"The 'path' parameter of {owner}",
                f"name {name} (or a folder holding it) when the environment variable "
                f"{DATA_ENV} is not set; nothing is downloaded",
                "None",
            )
        path = root
    path = Path(path).expanduser()
    if path.is_dir() and (path / name).exists():
        return path / name
    if path.exists():
        return path
    raise input_error(
        f"The 'path' parameter of {owner}",
        f"name an existing {name} or a folder holding it",
        repr(str(path)),
    )
