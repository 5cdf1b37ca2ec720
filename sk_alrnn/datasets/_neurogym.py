"""The Yang et al. (2019) cognitive task suite, generated trial by trial with NeuroGym."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from sklearn.utils import Bunch, check_random_state

from ..utils import RandomStateLike, check_param

YANG19_TASKS = (
    "go", "rtgo", "dlygo", "anti", "rtanti", "dlyanti",
    "dm1", "dm2", "ctxdm1", "ctxdm2", "multidm",
    "dlydm1", "dlydm2", "ctxdlydm1", "ctxdlydm2", "multidlydm",
    "dms", "dnms", "dmc", "dnmc",
)  # fmt: skip
N_INPUTS = 33  # fixation + two modalities of 16 ring units, in every Yang19 task
N_ACTIONS = 17  # 0 = fixate, 1..16 = a direction on the ring

_DESCR = """NeuroGym Yang19 tasks ({tasks}), {n} trials each, dt={dt} ms.

Inputs per step: fixation, two rings of 16 units, then a one-hot rule input
(when requested). Labels per step: 0 = fixate, 1..16 = direction. Each trial is
scored in its decision period (``decision``).
"""


def _check_tasks(tasks: str | Sequence[str]) -> list[str]:
    tasks = [tasks] if isinstance(tasks, str) else list(tasks)
    unknown = [t for t in tasks if t not in YANG19_TASKS]
    if not tasks or unknown:
        raise ValueError(
            "The 'tasks' parameter of load_neurogym must name one or more tasks of "
            f"{list(YANG19_TASKS)}. Got {unknown or tasks!r} instead."
        )
    if len(set(tasks)) != len(tasks):
        raise ValueError(f"The 'tasks' parameter of load_neurogym names a task twice: {tasks}.")
    return tasks


def _import_yang19():
    try:
        # Lazily: importing neurogym removes loguru's handlers and imports pyplot.
        from neurogym.envs.collections import yang19
    except ImportError as exc:
        raise ImportError(
            "load_neurogym generates the tasks with neurogym, which is not installed. "
            "Install the optional extra in its own environment (neurogym pins "
            "numpy==2.2.*): pip install sk_alrnn[neurogym], or `make venv-neurogym`."
        ) from exc
    return yang19


def _seeded_env(yang19, name: str, dt: int, rng: np.random.RandomState):
    """A task environment whose every trial generator has its own seed from ``rng``.

    The two-modality tasks (go, anti, dms, ...) are ``ScheduleEnvs`` over two
    sub-tasks; ``ScheduleEnvs.seed(s)`` gives both the same seed, so trials
    would come in identical pairs (one per modality) and leak across a
    train/test split. Each sub-task and the schedule get a seed of their own.
    """
    env = getattr(yang19, name)(dt=dt)
    parts = [sub.unwrapped for sub in env.envs] + [env.schedule] if hasattr(env, "envs") else [env]
    for part in parts:
        part.seed(int(rng.randint(np.iinfo(np.int32).max)))
    return env


def _trials(env, n: int) -> tuple[list[np.ndarray], list[np.ndarray], list[np.ndarray]]:
    """Generate n trials: observations (T_i, 33), targets (T_i,), decision masks (T_i,)."""
    obs, targets, decision = [], [], []
    for _ in range(n):
        env.new_trial()
        # The unwrapped env holds the trial; reading through the wrappers warns.
        trial = env.unwrapped
        obs.append(np.array(trial.ob, dtype=np.float64))
        targets.append(np.array(trial.gt, dtype=np.int64))
        mask = np.zeros(len(trial.gt), dtype=bool)
        mask[trial.start_ind["decision"] : trial.end_ind["decision"]] = True
        decision.append(mask)
    return obs, targets, decision


def load_neurogym(
    tasks: str | Sequence[str],
    n_per_task: int,
    *,
    dt: int = 100,
    rule_input: bool = True,
    return_task: bool = False,
    return_X_y: bool = True,
    random_state: RandomStateLike = None,
):
    """Generate trials of the Yang et al. (2019) task suite for per-step classification.

    Each trial is one variable-length sequence: the network sees a fixation
    input and stimuli on two rings of 16 units (two modalities), and must
    output at every step either "fixate" (label 0) or one of 16 directions
    (labels 1..16) during the response period. Tasks come from NeuroGym's
    ``yang19`` collection, generated locally (no download).

    Parameters
    ----------
    tasks : str or sequence of str
        Task names from ``YANG19_TASKS``: go, rtgo, dlygo, anti, rtanti,
        dlyanti, dm1, dm2, ctxdm1, ctxdm2, multidm, dlydm1, dlydm2,
        ctxdlydm1, ctxdlydm2, multidlydm, dms, dnms, dmc, dnmc.
    n_per_task : int
        Number of trials generated for each task.
    dt : int, default=100
        Step length in ms (the task periods are given in ms).
    rule_input : bool, default=True
        Append a one-hot rule input saying which task a trial belongs to
        (column ``33 + k`` for ``tasks[k]``), as Yang et al. do.
    return_task : bool, default=False
        Also return the task name of each trial (for per-task scores and
        :func:`sk_alrnn.analysis.task_regime_sharing`).
    return_X_y : bool, default=True
        False returns a Bunch instead (with the task and decision period of
        every trial); ``return_task`` is then ignored.
    random_state : int, RandomState instance or None, default=None
        Seeds every trial generator (each sub-task of a two-modality task
        separately, so no trial is generated twice by construction). The
        global ``numpy.random`` and ``random`` states are not used.

    Returns
    -------
    X : list of ndarray of shape (T_i, 33 + n_tasks), or (T_i, 33) without rule input
        Inputs per step: column 0 fixation, 1..16 modality-1 ring,
        17..32 modality-2 ring, then the rule input.
    y : list of ndarray of shape (T_i,), int64
        Target action at every step: 0 = fixate, 1..16 = respond in that
        direction (the response period).
    task : ndarray of shape (n_tasks * n_per_task,), str
        Only when ``return_task=True``: the task of each trial.
    data : Bunch
        When ``return_X_y=False``: ``data`` (X), ``target`` (y), ``task``,
        ``decision`` (list of (T_i,) bool arrays, True in the response
        period: where a trial is scored), ``task_names`` (``tasks``) and
        ``DESCR``.

    Trials come task by task, in the order of ``tasks`` (shuffle before
    splitting, e.g. ``train_test_split(..., stratify=task)``).

    Raises
    ------
    ImportError
        If neurogym is not installed (``pip install sk_alrnn[neurogym]``; it
        pins numpy==2.2.*, so give it its own environment: ``make venv-neurogym``).

    See Also
    --------
    sk_alrnn.ALRNNClassifier : Per-step classification with list X and list y.
    sk_alrnn.analysis.task_regime_sharing : Which regimes the tasks share.

    Notes
    -----
    The reaching tasks (go, rtgo, dlygo, anti, rtanti, dlyanti) have no input
    noise and a fixed timing: they have only 32 distinct trials (16
    directions x 2 modalities), so larger samples repeat trials by design.
    All other tasks add Gaussian input noise (sigma 0.1) and no two trials
    coincide. Each task keeps NeuroGym's own timing (with dt=100: 10 to 32
    steps per trial).

    References
    ----------
    .. [1] G. R. Yang, M. R. Joglekar, H. F. Song, W. T. Newsome and X.-J.
       Wang, "Task representations in neural networks trained to perform many
       cognitive tasks", Nature Neuroscience 22, 2019.
    .. [2] M. Molano-Mazon et al., "NeuroGym: An open resource for developing
       and sharing neuroscience tasks", 2022.

    Examples
    --------
    >>> from sk_alrnn.datasets import load_neurogym
    >>> X, y, task = load_neurogym(["go", "dm1"], 5, return_task=True,
    ...                            random_state=0)  # doctest: +SKIP
    >>> len(X), X[0].shape[1], y[0].shape == X[0].shape[:1]  # doctest: +SKIP
    (10, 35, True)
    >>> task.tolist()[4:6]  # doctest: +SKIP
    ['go', 'dm1']
    """
    tasks = _check_tasks(tasks)
    n_per_task = check_param(n_per_task, "n_per_task", "load_neurogym", min_val=1)
    dt = check_param(dt, "dt", "load_neurogym", min_val=1)
    # None draws fresh OS entropy: check_random_state(None) would consume numpy's global RNG.
    rng = check_random_state(
        np.random.SeedSequence().generate_state(1)[0] if random_state is None else random_state
    )
    yang19 = _import_yang19()
    X, y, decision = [], [], []
    for k, name in enumerate(tasks):
        obs, targets, masks = _trials(_seeded_env(yang19, name, dt, rng), n_per_task)
        if rule_input:
            rule = np.eye(len(tasks))[k]
            obs = [np.hstack([ob, np.broadcast_to(rule, (len(ob), len(tasks)))]) for ob in obs]
        X += obs
        y += targets
        decision += masks
    task = np.repeat(np.array(tasks), n_per_task)
    if not return_X_y:
        return Bunch(
            data=X,
            target=y,
            task=task,
            decision=decision,
            task_names=list(tasks),
            DESCR=_DESCR.format(tasks=", ".join(tasks), n=n_per_task, dt=dt),
        )
    return (X, y, task) if return_task else (X, y)
