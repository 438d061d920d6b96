"""Loss curves of fitted gdlearn estimators, in scikit-learn's Display style.

Every gdlearn estimator records ``loss_curve_``, its objective after each
iteration. :class:`LossCurveDisplay` draws one or several of them, either as
the objective itself or as the relative suboptimality
:math:`(f_k - f^*) / |f^*|` on a log scale, with :math:`f^*` the lowest value
any of the curves reached (or one given). matplotlib is an optional extra:
``pip install "gdlearn[plot]"``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np
from sklearn.pipeline import Pipeline
from sklearn.utils.validation import check_is_fitted

if TYPE_CHECKING:
    from collections.abc import Iterable, Sequence
    from typing import Self

    from matplotlib.axes import Axes
    from numpy.typing import ArrayLike
    from sklearn.base import BaseEstimator

KINDS = ("objective", "suboptimality")


def _pyplot():
    """``matplotlib.pyplot``, or an ImportError that names the extra to install."""
    try:
        import matplotlib.pyplot as plt
    except ImportError as error:
        raise ImportError(
            "plotting needs matplotlib, an optional extra of gdlearn: "
            "pip install 'gdlearn[plot]'"
        ) from error
    return plt


class LossCurveDisplay:
    """Objective against iteration for one or several fits.

    Create it with :meth:`from_estimator` or :meth:`from_estimators`; the
    constructor takes the curves themselves.

    Parameters
    ----------
    loss_curves : list of array-like of shape (n_iter,)
        The objective after each iteration, one array per fit.
    names : list of str, default=None
        Legend entries; None leaves the curves unlabelled.
    reference : float, default=None
        :math:`f^*` of ``kind='suboptimality'``; None takes the lowest value
        of all the curves.

    Attributes
    ----------
    lines_ : list of matplotlib Line2D
        One line per curve.
    ax_ : matplotlib Axes
    figure_ : matplotlib Figure

    Examples
    --------
    >>> import matplotlib
    >>> matplotlib.use("Agg")
    >>> from sklearn.datasets import load_breast_cancer
    >>> from gdlearn import LogisticRegressionGD
    >>> from gdlearn.plotting import LossCurveDisplay
    >>> X, y = load_breast_cancer(return_X_y=True)
    >>> fits = [LogisticRegressionGD(solver=s).fit(X, y) for s in ("newton", "accelerated")]
    >>> display = LossCurveDisplay.from_estimators(fits, kind="suboptimality")
    >>> [line.get_label() for line in display.lines_]
    ["LogisticRegressionGD(solver='newton')", "LogisticRegressionGD(solver='accelerated')"]
    """

    def __init__(
        self,
        loss_curves: Iterable[ArrayLike],
        *,
        names: Sequence[str] | None = None,
        reference: float | None = None,
    ) -> None:
        self.loss_curves = [np.asarray(curve, dtype=float) for curve in loss_curves]
        self.names = names
        self.reference = reference

    def plot(
        self, ax: Axes | None = None, *, kind: str = "objective", **kwargs: Any
    ) -> Self:
        """Draw the curves on ``ax`` (a new figure's axes if None).

        Parameters
        ----------
        ax : matplotlib Axes, default=None
        kind : {'objective', 'suboptimality'}, default='objective'
            The objective on a linear scale, or the relative suboptimality
            :math:`(f_k - f^*) / |f^*|` on a log scale, floored at machine
            epsilon (2.2e-16) where it is zero or below. Curves of fewer than
            20 iterations are drawn with markers.
        **kwargs
            Passed to ``ax.plot`` for every curve.

        Returns
        -------
        self : LossCurveDisplay
        """
        if kind not in KINDS:
            raise ValueError(f"kind must be one of {KINDS}, got {kind!r}")
        if self.names is not None and len(self.names) != len(self.loss_curves):
            raise ValueError(
                f"{len(self.names)} names for {len(self.loss_curves)} loss curves"
            )
        if ax is None:
            _, ax = _pyplot().subplots()
        names: Sequence[str | None] = self.names or [None] * len(self.loss_curves)
        best = self.reference
        if best is None:
            best = min(curve.min() for curve in self.loss_curves if curve.size)
        self.lines_ = []
        for curve, name in zip(self.loss_curves, names, strict=True):
            iterations = np.arange(1, curve.size + 1)
            if kind == "suboptimality":  # a log scale has no zero: floor at eps
                curve = (curve - best) / max(abs(best), np.finfo(float).tiny)
                curve = np.maximum(curve, np.finfo(float).eps)
            # a Newton fit has few points: mark them
            style = {"marker": "o"} if curve.size < 20 else {}
            (line,) = ax.plot(iterations, curve, label=name, **{**style, **kwargs})
            self.lines_.append(line)
        ax.set_xlabel("iteration")
        if kind == "suboptimality":
            ax.set_yscale("log")
            ax.set_ylabel("relative suboptimality (f - f*) / |f*|")
        else:
            ax.set_ylabel("objective")
        if self.names is not None:
            ax.legend(fontsize="small")
        self.ax_, self.figure_ = ax, ax.figure
        return self

    @classmethod
    def from_estimator(
        cls,
        estimator: BaseEstimator,
        *,
        ax: Axes | None = None,
        name: str | None = None,
        kind: str = "objective",
        **kwargs: Any,
    ) -> Self:
        """Plot the loss curve of one fitted gdlearn estimator (or a Pipeline
        ending in one).

        Parameters
        ----------
        estimator : fitted estimator with ``loss_curve_``, or Pipeline
        ax : matplotlib Axes, default=None
        name : str, default=None
            Legend entry; None uses the estimator's repr.
        kind : {'objective', 'suboptimality'}, default='objective'
        **kwargs
            Passed to ``ax.plot``.

        Returns
        -------
        display : LossCurveDisplay
        """
        names = None if name is None else [name]
        return cls.from_estimators([estimator], ax=ax, names=names, kind=kind, **kwargs)

    @classmethod
    def from_estimators(
        cls,
        estimators: Iterable[BaseEstimator],
        *,
        ax: Axes | None = None,
        names: Sequence[str] | None = None,
        kind: str = "objective",
        reference: float | None = None,
        **kwargs: Any,
    ) -> Self:
        """Plot the loss curves of several fitted estimators on one axes.

        Parameters
        ----------
        estimators : list of fitted estimators with ``loss_curve_``, or Pipelines
        ax : matplotlib Axes, default=None
        names : list of str, default=None
            Legend entries; None uses each estimator's repr.
        kind : {'objective', 'suboptimality'}, default='objective'
        reference : float, default=None
            :math:`f^*` for ``kind='suboptimality'``; None takes the lowest
            value of all the curves.
        **kwargs
            Passed to ``ax.plot``.

        Returns
        -------
        display : LossCurveDisplay
        """
        models = [_final_step(estimator) for estimator in estimators]
        if names is None:
            names = [repr(model) for model in models]
        display = cls([m.loss_curve_ for m in models], names=names, reference=reference)
        return display.plot(ax=ax, kind=kind, **kwargs)


def _final_step(estimator: BaseEstimator) -> BaseEstimator:
    """The fitted estimator that holds ``loss_curve_`` (the last step of a Pipeline)."""
    if isinstance(estimator, Pipeline):
        estimator = estimator[-1]
    check_is_fitted(estimator)
    if not hasattr(estimator, "loss_curve_"):
        raise TypeError(
            f"{type(estimator).__name__} has no loss_curve_: LossCurveDisplay "
            "plots fitted gdlearn estimators"
        )
    return estimator
