"""The parameters and attributes every gdlearn estimator shares, written once
and put into each estimator's docstring by :func:`document`."""

_COMMON_PARAMETERS = """\
    fit_intercept : bool, default=True
        Fit an unpenalized intercept. Without one the data is used as it is.
    solver : {'auto', 'newton', 'lbfgs', 'accelerated', 'gd', 'sgd'}, default='auto'
        'newton': gradient steps preconditioned by the curvature,
        ``v <- v - t P^-1 grad`` with ``P`` the Hessian of the smooth part
        (exact for least squares, estimated on a subsample of at most 20,000
        rows for cross-entropy and recomputed only when progress slows) and
        ``t`` by backtracking from 1. With an L1 penalty the steps are
        orthant-wise: the minimum-norm subgradient in the same metric, on
        the coefficients free to move, a coefficient that would cross zero
        stopping at zero (``l1_method`` does not apply). Fastest for up to
        about a thousand unknowns.
        'lbfgs': gradient steps shaped by the last 10 changes of the gradient
        (limited-memory BFGS), with backtracking from a unit step; one
        product with ``X`` and one with ``X.T`` per iteration and no matrix to
        factor, for many features or sparse ``X``. Smooth objectives only (no
        L1 penalty) and ``learning_rate='auto'``.
        'accelerated': Nesterov momentum (FISTA with L1) with adaptive restart,
        one product with ``X`` and one with ``X.T`` per iteration; for many
        features and sparse ``X``.
        'gd': plain gradient descent, the textbook update
        ``w <- w - learning_rate * grad``.
        'sgd': mini-batch stochastic gradient descent, ``batch_size`` samples
        per step, with the rate of ``learning_rate``; ``max_iter`` and
        ``n_iter_`` count epochs, and ``partial_fit`` streams (see
        :mod:`gdlearn.solvers.sgd`). Never chosen by 'auto'.
        'auto', with ``learning_rate='auto'``: 'newton' up to 1,000 unknowns
        (features + 1, times classes for multinomial) unless
        ``l1_method='subgradient'`` asks for subgradient steps, 'lbfgs'
        beyond that without an L1 penalty, else 'accelerated'; with a
        constant ``learning_rate``, 'accelerated'. An L1 penalty on wide data
        (more features than samples, or more unknowns than 'newton' takes)
        is solved by working sets (:mod:`gdlearn.solvers.working_set`): the
        solver 'auto' picks for the few features that can be nonzero,
        grown until no other feature violates the optimality conditions;
        ``solver_`` is then the last working set's solver and ``n_iter_``
        the iterations of all of them. For cross-entropy,
        whose curvature Newton's method must recompute, 'auto' takes
        'lbfgs' also below 1,000 unknowns where the recomputations would
        cost more than 15 L-BFGS iterations (many features on up to a few
        tens of thousands of rows), and hands the fit over to 'newton' if
        L-BFGS then progresses too slowly (strongly correlated features).
    learning_rate : {'auto', 'constant', 'invscaling', 'adaptive'} or float, \
default='auto'
        'auto' finds the step by backtracking (halving until the objective
        sits under its quadratic model); it never diverges. A float is a
        constant step in the optimizer's coordinates (see ``precondition``);
        one so large that the objective blows up raises a ValueError.
        With ``solver='sgd'``, 'auto' is the rate ``eta0 / sqrt(1 + epochs)``
        with each epoch ending at the average of its iterates, and the
        schedules of scikit-learn's SGD estimators are there too, on plain
        iterates: 'constant' (``eta0``), 'invscaling'
        (``eta0 / (1 + epochs) ** power_t``) and 'adaptive' (``eta0``, divided
        by 5 each time the objective has not improved for
        ``n_iter_no_change`` epochs).
    max_iter : int, default=10000
        Maximum number of iterations (each reads X about twice).
    tol : float, default=1e-6
        Stop when the gradient mapping, ``(v - v_new) / step`` in the
        optimizer's coordinates ('newton': the gradient, or with L1 the
        minimum-norm subgradient), has max-norm at most ``tol`` times the
        larger of the gradient's max-norm at zero coefficients and
        ``5 sqrt(|f|)``, ``f`` the objective per unit of sample weight. With
        L1 both are zero exactly at a minimum. Newton's method and L-BFGS
        also need their next step (the estimated distance to the minimum)
        at most ``tol`` relative to the largest coefficient. For
        float32 data the threshold is at least 3.6e-5 times the gradient at
        zero, what rounding allows: expect float32 fits to agree with float64
        ones to about 1e-3 on standardized data and 1e-2 on raw data.
    precondition : bool, default=True
        Walk in centred, per-feature scaled coordinates ``w_j = s_j v_j``
        with :math:`s_j = (c\\,\\mathrm{var}_j + \\lambda_2)^{-1/2}` (the second moment
        in place of the variance without an intercept; 1 for a constant
        column), so that
        unscaled data needs no tuning. It changes the path, not the
        solution. False gives textbook gradient descent on ``(w, b)``.
    warm_start : bool, default=False
        Start from the previous ``coef_`` and ``intercept_`` instead of zero.
    verbose : int, default=0
        Print iteration, objective, gradient-mapping norm, step and time at
        iterations 1, 2, 5, 10, 20, ... (every iteration if > 1).
    eta0 : 'auto' or float, default='auto'
        Initial rate of the ``solver='sgd'`` schedules. 'auto' takes
        :math:`1 / L_B`, the expected smoothness of a mini-batch (the
        curvature of the objective and of its heaviest sample), and divides
        it by 4 after an epoch that blows the objective up; a float that does
        so raises a ValueError. Only used by 'sgd'.
    power_t : float, default=0.5
        Exponent of ``learning_rate='invscaling'``. Only used by 'sgd'.
    batch_size : int or 'auto', default='auto'
        Samples per 'sgd' step; 'auto' is ``min(256, max(1, n_samples // 64))``.
    shuffle : bool, default=True
        Draw each epoch's mini-batches in a new random order ('sgd').
    random_state : int, RandomState instance or None, default=None
        Seeds the 'sgd' shuffling and the ``early_stopping`` split.
    early_stopping : bool, default=False
        With 'sgd': hold out ``validation_fraction`` of the samples
        (stratified for a classifier), monitor the loss on them instead of
        the objective, and keep the coefficients of the epoch where it was
        lowest.
    validation_fraction : float in (0, 1), default=0.1
        The share of samples ``early_stopping`` holds out.
    n_iter_no_change : int, default=5
        'sgd' stops (without a ConvergenceWarning, as scikit-learn's SGD
        estimators do) when the objective, or the held-out loss, has not
        improved for this many epochs and the schedule has no smaller rate
        to try; the coefficients are then those of the best epoch.
"""

_POSITIVE = """\
    positive : bool, default=False
        Constrain the coefficients to be nonnegative, as scikit-learn's
        ``positive`` (the intercept stays free). First-order solvers project
        onto ``w >= 0`` in their proximal step; 'newton' keeps an active set,
        a coefficient at 0 whose gradient pushes it below 0 staying fixed
        (the orthant-wise step of an L1 penalty with the orthant fixed to
        +); 'lbfgs' refuses it, and 'auto' takes 'newton' (or 'accelerated'
        beyond 1,000 unknowns).
"""

_COMMON_ATTRIBUTES = """\
    n_iter_ : int
        Number of iterations run (all working sets' together, see
        ``solver``).
    solver_ : str
        The solver that ran: what ``solver='auto'`` chose (inside working
        sets, the last one's).
    loss_curve_ : list of float of length `n_iter_`
        The objective above after each iteration (Python floats, whatever
        array library ``X`` came from).
    n_features_in_ : int
        Number of features seen during fit.
    feature_names_in_ : ndarray of shape (`n_features_in_`,)
        Names of the features seen during fit, when X has string column names.
"""


#: Where the HTML repr's "?" links (scikit-learn's ``_get_doc_link``): the API
#: page that docs/api.rst's autosummary generates, ``generated/gdlearn.RidgeGD``.
DOC_LINK_TEMPLATE = (
    "https://gdlearn.readthedocs.io/en/latest/generated/gdlearn.{estimator_name}.html"
)


def document(cls):
    """Put the shared parameters and attributes into ``cls.__doc__``, name
    ``gdlearn.linear_model`` as the class's module (where pickles, skops'
    trusted types and the documentation find it), and link the HTML repr to
    the class's API page (:data:`DOC_LINK_TEMPLATE`)."""
    cls.__doc__ = (
        cls.__doc__.replace("    {common_parameters}", _COMMON_PARAMETERS.rstrip("\n"))
        .replace("    {positive}", _POSITIVE.rstrip("\n"))
        .replace("    {common_attributes}", _COMMON_ATTRIBUTES.rstrip("\n"))
    )
    cls.__module__ = "gdlearn.linear_model"
    cls._doc_link_module, cls._doc_link_template = "gdlearn", DOC_LINK_TEMPLATE
    return cls
