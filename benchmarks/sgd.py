"""Epochs to accuracy: gdlearn's ``solver='sgd'`` beside scikit-learn's SGD estimators.

For each problem of ``run.py`` that scikit-learn's ``SGDRegressor`` /
``SGDClassifier`` can state with the same objective (matched regularization:
``alpha / n_samples`` for Ridge's ``alpha``, ``alpha`` for the lasso's,
``1 / (C n_samples)`` for logistic ``C``; multinomial has no counterpart, as
``SGDClassifier`` fits one-vs-rest), the relative suboptimality
:math:`(f - f^*) / |f^*|` after every epoch, from one fit of each at its
defaults (scikit-learn's through ``partial_fit``, an epoch a call, so that its
schedule runs on as in ``fit``). The table gives the epochs each needs to
reach 1e-2, 1e-3 and 1e-6, the best it reaches within ``EPOCHS`` epochs, and
gdlearn's own stopping point at its defaults with its time.
``f*`` comes from gdlearn's default solver at tol 1e-13 (or better from
any epoch).

    python benchmarks/sgd.py [--quick] [--output benchmarks/SGD.md]
"""

from __future__ import annotations

import argparse
import platform
import sys
import time
import warnings

import numpy as np
import sklearn
from sklearn import linear_model as sk
from sklearn.exceptions import ConvergenceWarning
from threadpoolctl import threadpool_limits

import gdlearn
from gdlearn import LassoGD, LinearRegressionGD, LogisticRegressionGD, RidgeGD, compare

sys.path.insert(0, __file__.rsplit("/", 1)[0])
from run import GROUP, _Tee, problems  # noqa: E402

EPOCHS = 100
TARGETS = (1e-2, 1e-3, 1e-6)
ESTIMATORS = {
    "ols": LinearRegressionGD,
    "ridge": RidgeGD,
    "lasso": LassoGD,
    "binary": LogisticRegressionGD,
    "multinomial": LogisticRegressionGD,
}


def _params(kind, param):
    if kind == "ols":
        return {}
    return {"alpha": param} if kind in ("ridge", "lasso") else {"C": param}


def _objective(kind, model, X, y, param):
    return compare.objective(GROUP[kind], model, X, y, **_params(kind, param))


def _sklearn_sgd(kind, param, n):
    """scikit-learn's SGD estimator for the same objective, or None."""
    if kind == "ols":
        return sk.SGDRegressor(penalty=None, random_state=0)
    if kind == "ridge":
        return sk.SGDRegressor(penalty="l2", alpha=param / n, random_state=0)
    if kind == "lasso":
        return sk.SGDRegressor(penalty="l1", alpha=param, random_state=0)
    if kind == "binary":
        return sk.SGDClassifier(loss="log_loss", alpha=1 / (param * n), random_state=0)
    return None


def _curve_sklearn(model, kind, X, y, param):
    curve = []
    classes = np.unique(y) if kind == "binary" else None
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        for _ in range(EPOCHS):
            if classes is None:
                model.partial_fit(X, y)
            else:
                model.partial_fit(X, y, classes=classes)
            with np.errstate(all="ignore"):
                curve.append(_objective(kind, model, X, y, param))
    return np.array(curve)


def _epochs_to(subopt, target):
    hit = np.nonzero(subopt <= target)[0]
    return str(hit[0] + 1) if len(hit) else "never"


def report(quick, out):
    def say(line=""):
        out.write(line + "\n")
        out.flush()

    say(
        "# gdlearn solver='sgd' beside scikit-learn's SGD estimators: epochs to accuracy"
    )
    say()
    say(
        f"{platform.machine()}, Python {platform.python_version()}, numpy "
        f"{np.__version__}, scikit-learn {sklearn.__version__}, gdlearn "
        f"{gdlearn.__version__}; BLAS pinned to 1 thread; "
        f"{'quick' if quick else 'full'} pass."
    )
    say()
    say(
        "Relative suboptimality `(f - f*) / |f*|` after each epoch, both at their "
        f"defaults, up to {EPOCHS} epochs. An epoch of gdlearn's default "
        "(variance-reduced) SGD reads X about four times (its mini-batch steps, "
        "then the objective and full gradient it stops on and steers by); one of "
        "scikit-learn's reads it twice."
    )
    say()
    say(
        "| problem | solver | epochs to 1e-2 | to 1e-3 | to 1e-6 | best in "
        f"{EPOCHS} epochs | stops after (defaults) | suboptimality there | time |"
    )
    say("|---|---|---:|---:|---:|---:|---:|---:|---:|")
    for name, kind, X, y, param, _ in problems(not quick):
        Est = ESTIMATORS[kind]
        n = X.shape[0]
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", ConvergenceWarning)
            reference = Est(tol=1e-13, **_params(kind, param)).fit(X, y)
            started = time.perf_counter()
            ours = Est(solver="sgd", random_state=0, **_params(kind, param)).fit(X, y)
            seconds = time.perf_counter() - started
            curve = Est(
                solver="sgd", random_state=0, max_iter=EPOCHS, **_params(kind, param)
            ).fit(X, y)
        f_ref = _objective(kind, reference, X, y, param)
        f_ours = _objective(kind, ours, X, y, param)
        # the per-epoch curve is in gdlearn's units: relative values carry over
        ours_curve = np.array(curve.loss_curve_)
        ours_star = min(reference.loss_curve_[-1], ours_curve.min())
        f_star = min(f_ref, f_ours)
        rows = [
            (
                f"{Est.__name__}(solver='sgd')",
                (ours_curve - ours_star) / abs(ours_star),
                str(ours.n_iter_),
                f"{max(f_ours - f_star, 0) / abs(f_star):.1e}",
                f"{seconds:.2f} s",
            )
        ]
        theirs = _sklearn_sgd(kind, param, n)
        if theirs is not None:
            started = time.perf_counter()
            sk_curve = _curve_sklearn(theirs, kind, X, y, param)
            seconds = time.perf_counter() - started
            sub = (sk_curve - f_star) / abs(f_star)
            rows.append(
                (
                    repr(theirs).replace("random_state=0", "").replace(", )", ")"),
                    sub,
                    "—",
                    "—",
                    f"{seconds:.2f} s ({EPOCHS} epochs)",
                )
            )
        for label, sub, stops, there, seconds in rows:
            sub = np.where(np.isfinite(sub), sub, np.inf)
            cells = [_epochs_to(sub, t) for t in TARGETS]
            say(
                f"| {name} {kind} | {label} | {' | '.join(cells)} | "
                f"{max(sub.min(), 0):.1e} | {stops} | {there} | {seconds} |"
            )
        if theirs is None:
            say(
                f"| {name} {kind} | (scikit-learn: no SGD for this objective) | | | | | | | |"
            )


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--quick", action="store_true", help="run.py's quick problems")
    parser.add_argument("--output", help="also write the markdown here")
    args = parser.parse_args(argv)
    with threadpool_limits(1):
        if args.output:
            with open(args.output, "w") as out:
                report(args.quick, _Tee(out))
        else:
            report(args.quick, sys.stdout)


if __name__ == "__main__":
    main()
