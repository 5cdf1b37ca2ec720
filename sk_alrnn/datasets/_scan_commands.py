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

With ``feedback=True`` the action steps also receive the previous action
(teacher forcing in training); :func:`generate_scan` then runs the trained
classifier on its own outputs, one step at a time (greedy decoding).
"""

from __future__ import annotations

import os
from collections.abc import Sequence

import numpy as np
from sklearn.utils import Bunch

from ..utils import check_option, input_error
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
_GO = len(COMMAND_WORDS)  # the <go> column
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
    feedback: bool = False,
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
    feedback : bool, default=False
        Add 6 columns that carry, at each action step after the first, the
        one-hot PREVIOUS action (the true one: teacher forcing).  Such a model
        is run with :func:`generate_scan`, which feeds back its own outputs.

    Returns
    -------
    X : list of (T_i, 14) float32 arrays, or (T_i, 20) with ``feedback``
        One-hot command words (columns in ``COMMAND_WORDS`` order), then the
        ``<go>`` column, which is 1 at the step after the last word, then (with
        ``feedback``) the previous action in ``ACTIONS`` order.
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
        width = _GO + 1 + (len(ACTIONS) if feedback else 0)
        x = np.zeros((len(words) + len(steps), width), dtype=np.float32)
        x[np.arange(len(words)), [word_index[w] for w in words]] = 1.0
        x[len(words), _GO] = 1.0
        X.append(x)
        if actions is not None:
            if not set(steps[:-1]) <= set(ACTIONS):
                raise input_error(f"Actions {i} of encode_scan", f"use {list(ACTIONS)}", steps)
            if feedback:
                previous = [ACTIONS.index(a) for a in steps[:-1]]
                x[len(words) + 1 + np.arange(len(previous)), _GO + 1 + np.array(previous, int)] = 1
            y.append(np.array([PAD] * len(words) + steps))
            weights.append(np.r_[np.zeros(len(words)), np.ones(len(steps))])
    return (X, y, weights) if actions is not None else X


def decode_scan(labels, X) -> list[str]:
    """Action strings from per-step labels: the steps from ``<go>`` up to the first ``<end>``.

    Parameters
    ----------
    labels : list of (T_i,) arrays or array of shape (n, T)
        Per-step labels, e.g. ``clf.predict(X)``.
    X : list of (T_i, F) arrays or array of shape (n, T, F)
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
        start = int(np.flatnonzero(np.asarray(x)[:, _GO] > 0.5)[0])
        out = []
        for value in np.asarray(label)[start:]:
            if value == END:
                break
            out.append(str(value))
        decoded.append(" ".join(out))
    return decoded


def generate_scan(estimator, commands: Sequence[str], *, max_actions: int = 48) -> list[str]:
    """Action strings from a model trained with ``feedback=True``, feeding back its own outputs.

    Greedy decoding: from the command and ``<go>``, the label predicted at the
    last step is appended as the next step's previous-action input, until
    ``<end>`` or ``max_actions`` actions.  Each step reruns ``predict`` on the
    whole prefix (the estimators keep no state between calls), so a batch of
    commands costs about ``max_actions`` predictions.

    Parameters
    ----------
    estimator : fitted per-step classifier
        Trained on ``encode_scan(..., feedback=True)`` sequences.
    commands : sequence of str
        The commands to run.
    max_actions : int, default=48
        Longest output (SCAN's longest action string has 48 actions).

    Returns
    -------
    actions : list of str
        Space-separated actions per command (without ``<end>``).

    Examples
    --------
    >>> class Parrot:  # repeats the previous action, starting with I_JUMP
    ...     def predict(self, X):
    ...         return [["I_JUMP" if x[-1, _GO] else END] * len(x) for x in X]
    >>> generate_scan(Parrot(), ["jump"])
    ['I_JUMP']
    """
    X = encode_scan(commands, n_action_steps=1, feedback=True)
    outputs: list[list[str]] = [[] for _ in commands]
    active = list(range(len(commands)))
    while active:
        predicted = estimator.predict([X[i] for i in active])
        still = []
        for i, labels in zip(active, predicted):
            label = str(labels[-1])
            if label == END or len(outputs[i]) == max_actions:
                continue
            outputs[i].append(label)
            step = np.zeros((1, X[i].shape[1]), dtype=np.float32)
            if label in ACTIONS:
                step[0, _GO + 1 + ACTIONS.index(label)] = 1.0
            X[i] = np.vstack([X[i], step])
            still.append(i)
        active = still
    return [" ".join(out) for out in outputs]


def load_scan(
    path: str | os.PathLike | None = None,
    split: str = "simple",
    *,
    subset: str | None = "train",
    feedback: bool = False,
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
    feedback : bool, default=False
        Add the previous action as input (teacher forcing, see :func:`encode_scan`);
        run such a model with :func:`generate_scan`.
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
    X, y, weights = encode_scan(commands, actions, feedback=feedback)
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
        feature_names=[*COMMAND_WORDS, GO]
        + ([f"previous {a}" for a in ACTIONS] if feedback else []),
        DESCR=f"SCAN, {split} split ({subset or 'train+test'}): {len(X)} command/action pairs.",
    )
