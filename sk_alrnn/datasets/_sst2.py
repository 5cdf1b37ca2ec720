"""SST-2, the binary Stanford Sentiment Treebank, as token-id sequences (numpy only).

The files are the GLUE layout: ``train.tsv`` (header ``label<TAB>sentence``:
67,349 phrases and sentences), ``dev.tsv`` and ``test.tsv`` (header
``label<TAB>content``: 872 and 1,821 sentences); label 1 is positive.  The text is
lower-cased and tokenised by spaces already, so a token is a space-separated word.
Nothing is downloaded.
"""

from __future__ import annotations

import os
from collections import Counter
from pathlib import Path

import numpy as np
from sklearn.utils import Bunch

from ..utils import check_option, check_param, input_error
from ._files import DATA_ENV, resolve_data_path

__all__ = ["PAD", "UNK", "build_vocabulary", "load_sst2"]

PAD, UNK = "<pad>", "<unk>"  # ids 0 and 1 of every vocabulary
_SPLITS = ("train", "dev", "test")


def _read_tsv(path: Path) -> tuple[list[str], np.ndarray]:
    """Sentences and 0/1 labels of one split file (first line is the header)."""
    with open(path, encoding="utf-8") as handle:
        lines = handle.read().splitlines()[1:]
    rows = [line.split("\t", 1) for line in lines if line.strip()]
    if not rows or any(len(row) != 2 or row[0] not in ("0", "1") for row in rows):
        raise input_error(
            f"The SST-2 file {path.name}",
            "hold a header line and then 'label<TAB>text' lines with label 0 or 1",
            "another layout",
        )
    return [row[1] for row in rows], np.array([int(row[0]) for row in rows], dtype=np.int64)


def build_vocabulary(sentences: list[str], *, min_count: int = 1) -> dict[str, int]:
    """Token -> id for the tokens of ``sentences`` seen at least ``min_count`` times.

    Id 0 is padding (``"<pad>"``), id 1 the unknown token (``"<unk>"``); then the
    kept tokens by decreasing count, ties in alphabetical order, so the same
    sentences always give the same ids.

    Parameters
    ----------
    sentences : list of str
        Space-tokenised text.
    min_count : int, default=1
        Rarer tokens map to the unknown id.

    Returns
    -------
    vocabulary : dict of str to int

    Examples
    --------
    >>> build_vocabulary(["a b a", "c b a"], min_count=2)
    {'<pad>': 0, '<unk>': 1, 'a': 2, 'b': 3}
    """
    check_param(min_count, "min_count", "build_vocabulary", min_val=1)
    counts = Counter(token for sentence in sentences for token in sentence.split())
    kept = sorted((-n, token) for token, n in counts.items() if n >= min_count)
    vocabulary = {PAD: 0, UNK: 1}
    for _, token in kept:
        vocabulary.setdefault(token, len(vocabulary))
    return vocabulary


def _encode(sentence: str, vocabulary: dict[str, int], max_len: int | None) -> np.ndarray:
    ids = [vocabulary.get(token, 1) for token in sentence.split()[:max_len]]
    return np.array(ids or [1], dtype=np.int64)  # an empty text is one unknown step


def load_sst2(
    path: str | os.PathLike | None = None,
    *,
    split: str = "train",
    min_count: int = 1,
    max_len: int | None = None,
    vocabulary: dict[str, int] | None = None,
    return_X_y: bool = False,
) -> Bunch | tuple[list[np.ndarray], np.ndarray]:
    r"""Load one split of SST-2 as token-id sequences with 0/1 labels.

    Parameters
    ----------
    path : str, path-like or None, default=None
        The ``sst2`` folder, or a folder holding it.  None reads the folder
        named by the environment variable ``SK_ALRNN_DATA`` (which holds
        ``sst2/``).  Nothing is downloaded.
    split : {"train", "dev", "test"}, default="train"
        Which file to read.
    min_count : int, default=1
        Training-split tokens seen fewer times map to the unknown id (only
        used when ``vocabulary`` is None).
    max_len : int or None, default=None
        Keep at most the first ``max_len`` tokens of each text (None: all).
    vocabulary : dict of str to int or None, default=None
        Token -> id to map with, e.g. the ``vocabulary`` of the training
        Bunch.  None builds it from the training split (whatever ``split``
        is read), so every split of one call maps alike.
    return_X_y : bool, default=False
        Return ``(X, y)`` instead of a Bunch.

    Returns
    -------
    data : Bunch
        ``data``: list of (T_i,) int64 arrays of token ids (1 is unknown,
        0 never occurs: it is the padding id); ``target``: (n,) int64, 1 =
        positive; ``target_names``; ``sentences``: the texts; ``vocabulary``:
        token -> id; ``n_tokens``: ``len(vocabulary)``, the table size to give
        the estimators' ``embedding=(n_tokens, dim)``; ``split``; ``DESCR``.
    (X, y) : tuple
        With ``return_X_y=True``.

    Raises
    ------
    ValueError
        If no path is given and ``SK_ALRNN_DATA`` is unset, the files are
        missing or not in the SST-2 layout, or a vocabulary lacks the
        padding and unknown tokens at ids 0 and 1.

    See Also
    --------
    build_vocabulary : How the vocabulary is built.

    Notes
    -----
    The training file holds every labelled phrase of the treebank (sub-phrases
    of the training sentences included); dev and test hold whole sentences.
    Pre-trained word vectors are not available offline, so the estimators'
    embedding is learned from SST-2 alone.  That costs a few points: Kim (2014)
    reports 82.7 % on SST-2 for a CNN with random word vectors against 86.8 %
    with word2vec ones, and GloVe-initialised LSTMs reach 84-87 % (Tai et al.,
    2015); words seen only at test time are unknown (id 1) here, where
    pre-trained vectors would still place them.

    References
    ----------
    Socher et al., "Recursive Deep Models for Semantic Compositionality Over a
    Sentiment Treebank", EMNLP 2013.  Kim, "Convolutional Neural Networks for
    Sentence Classification", EMNLP 2014.  Tai, Socher & Manning, "Improved
    Semantic Representations From Tree-Structured Long Short-Term Memory
    Networks", ACL 2015.

    Examples
    --------
    >>> import tempfile
    >>> from pathlib import Path
    >>> folder = Path(tempfile.mkdtemp())
    >>> _ = (folder / "train.tsv").write_text("label\tsentence\n1\tgood fun\n0\tnot fun\n")
    >>> _ = (folder / "dev.tsv").write_text("label\tcontent\n1\tgreat fun\n")
    >>> train = load_sst2(folder)
    >>> train.vocabulary
    {'<pad>': 0, '<unk>': 1, 'fun': 2, 'good': 3, 'not': 4}
    >>> X, y = load_sst2(folder, split="dev", vocabulary=train.vocabulary, return_X_y=True)
    >>> X[0].tolist(), y.tolist()  # "great" was never seen: unknown id 1
    ([1, 2], [1])
    """
    check_option(split, "split", "load_sst2", _SPLITS)
    if max_len is not None:
        check_param(max_len, "max_len", "load_sst2", min_val=1)
    folder = resolve_data_path(path, "sst2", "load_sst2")
    if vocabulary is None:
        vocabulary = build_vocabulary(_read_tsv(folder / "train.tsv")[0], min_count=min_count)
    elif vocabulary.get(PAD) != 0 or vocabulary.get(UNK) != 1:
        raise input_error(
            "The 'vocabulary' of load_sst2",
            f"map {PAD!r} to 0 and {UNK!r} to 1",
            f"{PAD!r}: {vocabulary.get(PAD)}, {UNK!r}: {vocabulary.get(UNK)}",
        )
    file = folder / f"{split}.tsv"
    if not file.exists():
        raise input_error("The SST-2 folder of load_sst2", f"hold {file.name}", repr(str(folder)))
    sentences, target = _read_tsv(file)
    data = [_encode(sentence, vocabulary, max_len) for sentence in sentences]
    if return_X_y:
        return data, target
    return Bunch(
        data=data,
        target=target,
        target_names=np.array(["negative", "positive"]),
        sentences=sentences,
        vocabulary=vocabulary,
        n_tokens=len(vocabulary),
        split=split,
        DESCR=(
            f"SST-2 {split} split: {len(data)} texts as token ids over a vocabulary of "
            f"{len(vocabulary)} (0 padding, 1 unknown); label 1 = positive. Folder: {DATA_ENV} "
            "or the path given."
        ),
    )
