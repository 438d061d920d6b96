"""Hand-derived gradients checked against finite differences.

The seeds derive, by hand, the gradient of the mean squared error
(``X^T (Xw + b - y) / m``), of the logistic cross-entropy
(``X^T (sigmoid(Xw + b) - y) / m``) and of the log-sum-exp (the softmax).
This script computes each one the way gdlearn does and compares it with a
five-point finite-difference quotient of the function itself, then shows
that a gradient with a mistake in it (a lost factor, a missing transpose)
is caught at once.

Run: ``python examples/gradient_check.py``
"""

import numpy as np
from sklearn.datasets import load_breast_cancer, load_diabetes, load_wine

from gdlearn import check_gradient
from gdlearn._objective import Objective
from gdlearn.losses import BinaryCrossEntropy, MultinomialCrossEntropy, SquaredError
from gdlearn.penalties import ElasticNet

rng = np.random.default_rng(0)


def check(title, X, Y, loss, penalty=None):
    objective = Objective(X, Y, np.ones(len(X)), loss, penalty, precondition=False)
    shape = objective.zeros().shape  # |V| >= 0.05 keeps clear of the kink of |.| at 0
    V = rng.choice([-1.0, 1.0], size=shape) * rng.uniform(0.05, 0.1, size=shape)
    error = check_gradient(objective.value, objective.gradient, V)
    wrong = check_gradient(objective.value, lambda V: 0.5 * objective.gradient(V), V)
    print(f"{title:45s} relative error {error:.1e}   (half the gradient: {wrong:.1e})")
    return error


def main():
    X, y = load_diabetes(return_X_y=True)
    check("squared error, diabetes", X, y[:, None] / y.std(), SquaredError())
    check(
        "squared error + elastic net, diabetes",
        X,
        y[:, None] / y.std(),
        SquaredError(),
        ElasticNet(0.1, 0.5),
    )
    X, y = load_breast_cancer(return_X_y=True)
    X = (X - X.mean(0)) / X.std(0)
    check(
        "binary cross-entropy, breast_cancer",
        X,
        y[:, None].astype(float),
        BinaryCrossEntropy(),
    )
    X, y = load_wine(return_X_y=True)
    X = (X - X.mean(0)) / X.std(0)
    check("softmax cross-entropy, wine", X, np.eye(3)[y], MultinomialCrossEntropy())


if __name__ == "__main__":
    main()
