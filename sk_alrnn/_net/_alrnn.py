"""What the AL-RNN adds to a sequence net: M and P, regimes, latent states, linearize()."""

from __future__ import annotations

import numbers

import numpy as np

from ..analysis import PiecewiseLinearSystem, RegimeSummary, codes_from_states, regime_summary
from ..io import PersistenceMixin
from ..nn import ALRNNModule
from ..utils import Interval, SequenceBatch, check_embedding, check_token_ids, unpad
from ._prune import prune_sequence_net

__all__ = ["ALRNNMixin"]


def _embedding_constraint(value, name: str, owner: str) -> None:
    check_embedding(value, owner)


class ALRNNMixin(PersistenceMixin):
    """M, P, regimes_ and the analysis methods, on top of a sequence-net base."""

    _persisted_attributes = ("regimes_",)
    _persisted_types = (RegimeSummary,)

    _parameter_constraints = {
        "M": [Interval(numbers.Integral, 1, None)],
        "P": [Interval(numbers.Integral, 0, "M", text="in [0, M={M}]")],
        "embedding": [None, _embedding_constraint],
    }

    def __init__(self, M=16, P=2, *, embedding=None, module=ALRNNModule, criterion, **kwargs):
        super().__init__(module, criterion=criterion, **kwargs)
        self.M, self.P, self.embedding = M, P, embedding

    def _module_kwargs(self):
        kwargs = {"M": self.M, "P": self.P}
        embedding = check_embedding(self.embedding, type(self).__name__)
        if embedding is not None:  # only then: custom modules need not know the option
            kwargs["embedding"] = embedding
        return kwargs

    # ---- token input (the embedding option) ----------------------------------
    # Token ids are checked where X is validated, before a fit changes anything:
    # an id outside the table would otherwise fail deep inside torch.
    def _validate_targets(self, y, batch, **kwargs):
        embedding = check_embedding(self.embedding, type(self).__name__)
        if embedding is not None:
            check_token_ids(batch, embedding[0], type(self).__name__)
        return super()._validate_targets(y, batch, **kwargs)

    def _check_X(self, X) -> SequenceBatch:
        batch = super()._check_X(X)
        table = getattr(self.module_, "embedding", None)
        if table is not None:
            check_token_ids(batch, table.num_embeddings, type(self).__name__)
        return batch

    @property
    def embedding_(self) -> np.ndarray:
        """The learned token table E, (n_tokens, dim) float32; row 0 is padding.

        The input term of step t is ``C @ embedding_[token_t]``.  Raises
        AttributeError when the estimator was fit without an embedding.
        """
        self.check_is_fitted(["module_"])
        table = getattr(self.module_, "embedding", None)
        if table is None:
            raise AttributeError(f"{type(self).__name__} was fit without an embedding.")
        return table.weight.detach().cpu().numpy().copy()

    def on_train_end(self, net, X=None, y=None, **kwargs):
        """Summarise the regimes visited on all of the fit's X (skorch hook)."""
        super().on_train_end(net, X=X, y=y, **kwargs)
        self.regimes_ = self._regime_summary(X.batch)

    def _inference_width(self) -> int:
        """Floats per step of a forward pass: the scan's buffer (M+P), drive, input, output."""
        module = self.module_
        table = getattr(module, "embedding", None)
        inputs = self.n_features_in_ + (0 if table is None else table.embedding_dim)
        return 2 * module.M + module.P + inputs + self._n_outputs_

    # ---- latent states and regimes --------------------------------------------
    def _state_chunks(self, batch: SequenceBatch):
        """z_1..z_T chunk by chunk, (chunk, T_max, M) numpy arrays."""
        width = self.module_.M + self.module_.P
        return self._iter_chunks(batch, lambda module, X, lengths: module.latent_states(X), width)

    def _padded_codes(self, batch: SequenceBatch) -> np.ndarray:
        """Regime codes of every step, (n, T_max, P): only P bools per step are kept."""
        P = self.module_.P
        return np.concatenate([codes_from_states(Z, P) for Z in self._state_chunks(batch)])

    def _regime_summary(self, batch: SequenceBatch) -> RegimeSummary:
        codes = self._padded_codes(batch)
        return regime_summary([codes[i, :length] for i, length in enumerate(batch.lengths)])

    def latent_states(self, X):
        """Latent states z_1..z_T of each sequence.

        Parameters
        ----------
        X : array-like of shape (n, T, F) or (n, T), or list of (T_i, F) arrays
            Input sequences.

        Returns
        -------
        Z : ndarray of shape (n, T, M), or list of (T_i, M) arrays for list input
            Float32, as computed.

        Examples
        --------
        >>> import numpy as np
        >>> from sk_alrnn import ALRNNRegressor
        >>> X = np.random.RandomState(0).randn(20, 6, 2)
        >>> reg = ALRNNRegressor(M=8, P=2, max_epochs=2, random_state=0).fit(X, X.sum(axis=(1, 2)))
        >>> reg.latent_states(X).shape
        (20, 6, 8)
        >>> [Z.shape for Z in reg.latent_states([X[0, :3], X[1]])]
        [(3, 8), (6, 8)]
        """
        batch = self._check_X(X)
        return unpad(np.concatenate(list(self._state_chunks(batch))), batch)

    def regime_codes(self, X):
        """Regime code (sign pattern of the P ReLU units) at every step.

        Parameters
        ----------
        X : array-like of shape (n, T, F) or (n, T), or list of (T_i, F) arrays
            Input sequences.

        Returns
        -------
        codes : bool ndarray of shape (n, T, P), or list of (T_i, P) arrays for list input
            ``codes[i, t]`` is ``z_t[M-P:] > 0`` for step t of sequence i.

        Examples
        --------
        >>> import numpy as np
        >>> from sk_alrnn import ALRNNRegressor
        >>> X = np.random.RandomState(0).randn(20, 6, 2)
        >>> reg = ALRNNRegressor(M=8, P=3, max_epochs=2, random_state=0).fit(X, X.sum(axis=(1, 2)))
        >>> codes = reg.regime_codes(X)
        >>> codes.shape, codes.dtype
        ((20, 6, 3), dtype('bool'))
        >>> bool((codes == (reg.latent_states(X)[..., 5:] > 0)).all())
        True
        """
        batch = self._check_X(X)
        return unpad(self._padded_codes(batch), batch)

    def linearize(self) -> PiecewiseLinearSystem:
        """The fitted network as a piecewise-affine system (numpy, float64).

        Reads the module's ``system_matrices()`` (``a, W, C, h, B, b``), so a
        custom ``module`` must provide that method.

        Returns
        -------
        system : PiecewiseLinearSystem
            With ``a, W, C, h, B, b, M, P``, ``jacobian(code)``,
            ``fixed_point(code, s)`` and ``regimes`` (one per row of
            ``regimes_.codes``, same order).

        Raises
        ------
        TypeError
            If the module has no ``system_matrices()`` method.

        Examples
        --------
        >>> import numpy as np
        >>> from sk_alrnn import ALRNNRegressor
        >>> X = np.random.RandomState(0).randn(20, 6, 2)
        >>> reg = ALRNNRegressor(M=8, P=2, max_epochs=2, random_state=0).fit(X, X.sum(axis=(1, 2)))
        >>> system = reg.linearize()
        >>> system.W.shape, system.C.shape, len(system.regimes) == reg.regimes_.n_regimes
        ((8, 8), (8, 2), True)
        """
        self.check_is_fitted(["module_", "regimes_"])
        system_matrices = getattr(self.module_, "system_matrices", None)
        if system_matrices is None:
            raise TypeError(
                f"linearize() needs a module with a system_matrices() method returning "
                f"a, W, C, h, B and b; {type(self.module_).__name__} has none."
            )
        matrices = {
            name: value.detach().cpu().double().numpy() for name, value in system_matrices().items()
        }
        return PiecewiseLinearSystem(**matrices, P=self.module_.P, regime_codes=self.regimes_.codes)

    def prune(self, X=None, *, tol: float = 0.0):
        """A new fitted estimator without the ReLU units that never switch on X.

        An always-on unit (z_j > 0 at every valid step) is linear there and
        moves to the linear block (P shrinks); an always-off unit (z_j <= 0)
        contributes nothing through W, so its column of W is zeroed and it
        becomes linear too (P shrinks), and it is removed (M shrinks) only when
        the readout does not read it (B[:, j] = 0).  The weights are permuted,
        so ``predict`` on X agrees with this estimator to float32 rounding;
        ``regimes_`` keeps the surviving units' code entries (equal codes
        merged).  This estimator is unchanged.

        Parameters
        ----------
        X : array-like or list of (T_i, F) arrays, or None, default=None
            The data on which the units are tested; None uses the fit's data
            through ``regimes_`` (every valid step).
        tol : float, default=0.0
            0 is exact.  With tol > 0 (needs X), a unit with z_j <= tol at every
            step counts as off and one with z_j > -tol as on: more pruning,
            errors of order tol.

        Returns
        -------
        pruned : estimator of the same class
            With ``M`` and ``P`` the pruned sizes.

        Examples
        --------
        >>> import numpy as np
        >>> from sk_alrnn import ALRNNRegressor
        >>> X = np.random.RandomState(0).randn(30, 8, 2)
        >>> reg = ALRNNRegressor(M=8, P=4, max_epochs=2, random_state=0).fit(X, X.sum(axis=(1, 2)))
        >>> small = reg.prune(X)
        >>> small.P <= reg.P, reg.P == 4
        (True, True)
        >>> bool(np.allclose(small.predict(X), reg.predict(X), rtol=1e-4, atol=1e-4))
        True
        """
        return prune_sequence_net(self, X, tol=tol)
