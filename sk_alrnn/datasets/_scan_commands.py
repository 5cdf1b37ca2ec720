"""SCAN (Lake & Baroni, 2018) as per-step classification: commands in, actions out.

Each command/action pair becomes one input sequence and one label sequence that
the per-step :class:`~sk_alrnn.ALRNNClassifier` learns as it is:

    step         0 .. Tc-1           Tc           Tc+1 .. Tc+Ta
    input        one-hot word        <go> marker  zeros
    label        <pad> (weight 0)    action 1     actions 2..Ta, then <end>

so the Ta + 1 action steps (the actions and the end token) carry weight 1 and
the command steps weight 0.  The network never sees its own earlier outputs
(no feedback): the actions are read off the state it reached on the command.
Because the model is causal, predicting more zero-input steps than Ta + 1
changes none of the first Ta + 1 predictions, so decoding up to the first
``<end>`` of a long enough run gives exactly the action string scored here.
"""

from __future__ import annotations

import os
from collections.abc import Sequence

import numpy as np
from sklearn.utils import Bunch

from ..utils._validation import check_option, input_error
from ._files import resolve_data_path

COMMAND_WORDS = (
    "after",
    "and",
    "around",
    "jump",
    "left",
    "look",
    "opposite",
    "right",
    "run",
    "thrice",
    "turn",
    "twice",
    "walk",
)
ACTIONS = ("I_JUMP", "I_LOOK", "I_RUN", "I_TURN_LEFT", "I_TURN_RIGHT", "I_WALK")
GO, END, PAD = "<go>", "<end>", "<pad>"
_SPLITS = ("simple", "length", "addprim_jump")
_SUBSETS = ("train", "test", None)
_OWNER = "load_scan"


def _parse(file) -> tuple[list[str], list[str]]:
    """Commands and action strings of one SCAN file (``IN: ... OUT: ...`` per line)."""
    commands, actions = [], []
    for number, line in enumerate(file.read_text().splitlines(), start=1):
        if not line.strip():
            continue
        if not line.startswith("IN: ") or " OUT: " not in line:
            raise input_error(
                f"Line {number} of {file}", "read 'IN: <command> OUT: <actions>'", repr(line[:60])
            )
        command, action = line[4:].split(" OUT: ", 1)
        commands.append(command.strip())
        actions.append(action.strip())
    return commands, actions


def encode_scan(
    commands: Sequence[str],
    actions: Sequence[str] | None = None,
    *,
    n_action_steps: int | None = None,
):
    """Encode SCAN commands (and actions) as per-step classification sequences.

    Parameters
    ----------
    commands : sequence of str
        Commands, words separated by spaces (words of ``COMMAND_WORDS``).
    actions : sequence of str or None, default=None
        The action strings (``ACTIONS`` separated by spaces); each sequence then
        gets len(actions) + 1 action steps (the actions and ``<end>``).
    n_action_steps : int or None, default=None
        Without ``actions``: the number of zero-input steps after the marker,
        i.e. the longest output to decode (49 covers every SCAN action string
        and its end token).

    Returns
    -------
    X : list of (T_i, 14) float32 arrays
        One-hot command words (columns in ``COMMAND_WORDS`` order), then the
        ``<go>`` column, which is 1 at the step after the last word.
    y : list of (T_i,) str arrays
        Only with ``actions``: ``<pad>`` on the command steps, then the actions
        and ``<end>``.
    sample_weight : list of (T_i,) float arrays
        Only with ``actions``: 0 on the command steps, 1 on the action steps.

    Examples
    --------
    >>> X, y, w = encode_scan(["jump twice"], ["I_JUMP I_JUMP"])
    >>> X[0].shape, y[0].tolist(), w[0].tolist()
    ((5, 14), ['<pad>', '<pad>', 'I_JUMP', 'I_JUMP', '<end>'], [0.0, 0.0, 1.0, 1.0, 1.0])
    >>> decode_scan(y, X)
    ['I_JUMP I_JUMP']
    """
    word_index = {word: k for k, word in enumerate(COMMAND_WORDS)}
    if actions is None and n_action_steps is None:
        raise input_error("encode_scan", "get actions or n_action_steps", "neither")
    if actions is not None and len(actions) != len(commands):
        raise input_error("actions", f"have one entry per command ({len(commands)})", len(actions))
    X, y, weights = [], [], []
    for i, command in enumerate(commands):
        words = command.split()
        unknown = [w for w in words if w not in word_index]
        if unknown or not words:
            raise input_error(
                f"Command {i} of encode_scan", f"use the words {list(COMMAND_WORDS)}", repr(command)
            )
        steps = actions[i].split() + [END] if actions is not None else [None] * n_action_steps
        x = np.zeros((len(words) + len(steps), len(COMMAND_WORDS) + 1), dtype=np.float32)
        x[np.arange(len(words)), [word_index[w] for w in words]] = 1.0
        x[len(words), -1] = 1.0
        X.append(x)
        if actions is not None:
            if not set(steps[:-1]) <= set(ACTIONS):
                raise input_error(f"Actions {i} of encode_scan", f"use {list(ACTIONS)}", steps)
            y.append(np.array([PAD] * len(words) + steps))
            weights.append(np.r_[np.zeros(len(words)), np.ones(len(steps))])
    return (X, y, weights) if actions is not None else X


def decode_scan(labels, X) -> list[str]:
    """Action strings from per-step labels: the steps from ``<go>`` up to the first ``<end>``.

    Parameters
    ----------
    labels : list of (T_i,) arrays or array of shape (n, T)
        Per-step labels, e.g. ``clf.predict(X)``.
    X : list of (T_i, 14) arrays or array of shape (n, T, 14)
        The encoded commands the labels belong to (``encode_scan``), which mark
        where the actions start.

    Returns
    -------
    actions : list of str
        Space-separated actions per sequence; a run that never emits ``<end>``
        keeps every action step's label (``<pad>`` labels included, so such a
        sequence never matches a true action string).

    Examples
    --------
    >>> X = encode_scan(["walk"], n_action_steps=4)
    >>> decode_scan([["<pad>", "I_WALK", "<end>", "I_RUN"]], X)
    ['I_WALK']
    """
    decoded = []
    for label, x in zip(labels, X):
        start = int(np.flatnonzero(np.asarray(x)[:, -1] > 0.5)[0])
        out = []
        for value in np.asarray(label)[start:]:
            if value == END:
                break
            out.append(str(value))
        decoded.append(" ".join(out))
    return decoded


def load_scan(
    path: str | os.PathLike | None = None,
    split: str = "simple",
    *,
    subset: str | None = "train",
    return_X_y: bool = False,
):
    """Load a SCAN split, encoded for per-step classification.

    Parameters
    ----------
    path : str, path-like or None, default=None
        The ``scan`` folder (files ``tasks_{train,test}_{split}.txt``) or a folder
        holding it; None reads the folder named by the environment variable
        ``SK_ALRNN_DATA``.  Nothing is downloaded.
    split : {"simple", "length", "addprim_jump"}, default="simple"
        SCAN's splits: random 80/20; test actions longer than any seen in
        training; "jump" seen only alone in training.
    subset : {"train", "test"} or None, default="train"
        Which file; None gives training then test pairs (``is_test`` tells them apart).
    return_X_y : bool, default=False
        Return ``(data, target)`` instead of the Bunch.

    Returns
    -------
    data : Bunch
        ``data`` (list of (T_i, 14) float32 arrays, see :func:`encode_scan`),
        ``target`` (list of (T_i,) str label arrays), ``sample_weight`` (list of
        (T_i,) arrays: 0 on command steps, 1 on action steps), ``commands`` and
        ``actions`` (lists of str), ``is_test`` (bool array),
        ``command_vocabulary`` (``COMMAND_WORDS``), ``action_vocabulary``
        (``ACTIONS`` and ``<end>``), ``feature_names`` and ``DESCR``.
    (data, target) : tuple
        With ``return_X_y=True``.

    Notes
    -----
    Score a fitted classifier with ``clf.score(X, y, sample_weight=w)`` (per-step
    accuracy on the action steps) and
    :func:`sk_alrnn.metrics.exact_match_score` (every action of a sequence
    right).  Lake & Baroni, "Generalization without systematicity", ICML 2018
    (BSD licence).

    Examples
    --------
    >>> import tempfile
    >>> from pathlib import Path
    >>> folder = Path(tempfile.mkdtemp())
    >>> lines = ["IN: jump twice OUT: I_JUMP I_JUMP", "IN: turn left OUT: I_TURN_LEFT"]
    >>> _ = (folder / "tasks_train_simple.txt").write_text(chr(10).join(lines))
    >>> scan = load_scan(folder)
    >>> scan.commands, [x.shape for x in scan.data]
    (['jump twice', 'turn left'], [(5, 14), (4, 14)])
    >>> scan.target[1].tolist()
    ['<pad>', '<pad>', 'I_TURN_LEFT', '<end>']
    """
    check_option(split, "split", _OWNER, _SPLITS)
    check_option(subset, "subset", _OWNER, _SUBSETS)
    folder = resolve_data_path(path, "scan", _OWNER)
    commands, actions, is_test = [], [], []
    for part in ("train", "test") if subset is None else (subset,):
        file = folder / f"tasks_{part}_{split}.txt"
        if not file.is_file():
            raise input_error(
                f"The 'path' parameter of {_OWNER}", f"name a folder holding {file.name}", folder
            )
        c, a = _parse(file)
        commands += c
        actions += a
        is_test += [part == "test"] * len(c)
    X, y, weights = encode_scan(commands, actions)
    if return_X_y:
        return X, y
    return Bunch(
        data=X,
        target=y,
        sample_weight=weights,
        commands=commands,
        actions=actions,
        is_test=np.array(is_test),
        command_vocabulary=list(COMMAND_WORDS),
        action_vocabulary=[*ACTIONS, END],
        feature_names=[*COMMAND_WORDS, GO],
        DESCR=f"SCAN, {split} split ({subset or 'train+test'}): {len(X)} command/action pairs.",
    )
