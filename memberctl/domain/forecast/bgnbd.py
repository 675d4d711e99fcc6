"""The BG/NBD model (Fader, Hardie & Lee 2005, "Counting Your Customers the Easy Way: An
Alternative to the Pareto/NBD Model", Marketing Science 24(2); the paper's numbered equations).

While active, a customer buys at a rate lambda (Poisson; lambda ~ Gamma(r, alpha) across
customers); after each purchase they drop out for good with probability p (p ~ Beta(a, b)).
Per customer the data are x (repeat purchases), t_x (time of the last purchase, from the first)
and T (time from the first purchase to the end of the history), in one time unit (the caller's:
weeks in memberctl). Arrays are numpy float arrays of equal length; everything is vectorised.

- `fit(x, t_x, T)` maximises the log-likelihood (eq. 6) and returns the `BgNbd` parameters.
- `p_alive`: P(still a customer | x, t_x, T) (FHL 2008 note, "Computing P(alive)"): 1 for x = 0
  (in this model a customer can only leave right after a purchase).
- `expected_if_alive`: purchases expected in the next t if still a customer, and
  `expected_purchases` = p_alive * expected_if_alive: the conditional expectation (eq. 10),
  with the Gauss hypergeometric function `scipy.special.hyp2f1`.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
from numpy.typing import NDArray
from scipy.optimize import minimize
from scipy.special import digamma, expit, gammaln, hyp2f1

from memberctl.domain.forecast import FitError

Array = NDArray[np.float64]
# Each parameter is searched as its logarithm within these bounds (1e-6 .. 1e6): a fit that runs
# beyond one of them has not found a maximum (the data say "nobody leaves", "everyone leaves at
# the same rate" or "no repeat buying").
LOG_BOUND = 13.8
GRADIENT_TOLERANCE = 1e-6  # of the mean log-likelihood per customer, per log-parameter
# A shop with more customers than this is fitted twice: first a sample of about SAMPLE_SIZE of
# them (every k-th), whose parameters and curvature start the fit on all of them. From a cold
# start the search took 62 evaluations of the likelihood over 970,000 customers (3.3 s); warm,
# 6 (0.3 s), plus 25 over the sample (0.1 s).
WARM_START_FROM = 50_000
SAMPLE_SIZE = 25_000


@dataclass(frozen=True)
class BgNbd:
    r: float
    alpha: float
    a: float
    b: float
    log_likelihood: float  # of the data it was fitted to (the sum over customers)


def log_likelihood(params: Array, x: Array, t_x: Array, T: Array) -> tuple[Array, Array]:
    """Each customer's log-likelihood (eq. 6) at `params` = (r, alpha, a, b), and its gradient
    with respect to the parameters (a 4 x n array)."""
    r, alpha, a, b = params
    repeat = x > 0
    ln_a1 = gammaln(r + x) - gammaln(r) + r * np.log(alpha)
    ln_a2 = gammaln(a + b) + gammaln(b + x) - gammaln(b) - gammaln(a + b + x)
    ln_a3 = -(r + x) * np.log(alpha + T)
    b_x = np.where(repeat, b + x - 1, 1.0)  # unused where x = 0
    ln_a4 = np.where(repeat, np.log(a) - np.log(b_x) - (r + x) * np.log(alpha + t_x), -np.inf)
    tail = np.logaddexp(ln_a3, ln_a4)
    w3 = np.exp(ln_a3 - tail)  # the two terms' shares of the sum (w4 = 0 where x = 0)
    w4 = np.exp(ln_a4 - tail)
    psi_abx = digamma(a + b + x)
    grad = np.stack(
        [
            digamma(r + x) - digamma(r) + np.log(alpha)
            - w3 * np.log(alpha + T) - w4 * np.log(alpha + t_x),
            r / alpha - (r + x) * (w3 / (alpha + T) + w4 / (alpha + t_x)),
            digamma(a + b) - psi_abx + w4 / a,
            digamma(a + b) + digamma(b + x) - digamma(b) - psi_abx - w4 / b_x,
        ]
    )  # fmt: skip
    return ln_a1 + ln_a2 + tail, grad


class _Objective:
    """The mean negative log-likelihood over all customers and its gradient with respect to the
    log-parameters, as `log_likelihood` sums them but faster: the terms in x alone (the log-gamma
    and digamma functions) are computed once per distinct x and weighted by how many customers
    have it, and log(alpha + T), log(alpha + t_x) once per distinct T and t_x (whole days)."""

    def __init__(self, x: Array, t_x: Array, T: Array) -> None:
        self.n = len(x)
        self.xs, self.x_at, counts = np.unique(x, return_inverse=True, return_counts=True)
        self.counts = counts.astype(np.float64)
        self.ts, self.t_at = np.unique(np.concatenate([t_x, T]), return_inverse=True)
        self.x = x
        self.repeat = x > 0

    def __call__(self, theta: Array) -> tuple[float, Array]:
        r, alpha, a, b = params = np.exp(theta)
        xs, w, x, repeat = self.xs, self.counts, self.x, self.repeat
        n = self.n
        psi_abx = digamma(a + b + xs)
        in_x = np.sum(w * (gammaln(r + xs) + gammaln(b + xs) - gammaln(a + b + xs))) + n * (
            gammaln(a + b) - gammaln(r) - gammaln(b) + r * np.log(alpha)
        )
        logs = np.log(alpha + self.ts)
        inverse = 1.0 / (alpha + self.ts)
        ln_tx, ln_age = logs[self.t_at[:n]], logs[self.t_at[n:]]
        b_x = np.where(xs > 0, b + xs - 1, 1.0)[self.x_at]
        ln_a3 = -(r + x) * ln_age
        # ln(A3 + A4) = ln A3 + softplus(d), d = ln A4 - ln A3 (-inf where x = 0), and the two
        # terms' shares w3, w4 of the sum (numpy's logaddexp is ~5x slower at 200,000 rows)
        d = np.where(repeat, np.log(a) - np.log(b_x) - (r + x) * ln_tx - ln_a3, -np.inf)
        softplus = np.maximum(d, 0.0) + np.log1p(np.exp(-np.abs(d)))
        w4 = expit(d)
        w3 = 1.0 - w4
        # sums of products as np.sum(u * v), not u @ v: BLAS's threads spin on a busy machine
        grad = np.array(
            [
                np.sum(w * digamma(r + xs)) - n * digamma(r) + n * np.log(alpha)
                - np.sum(w3 * ln_age) - np.sum(w4 * ln_tx),
                n * r / alpha
                - np.sum((r + x) * (w3 * inverse[self.t_at[n:]] + w4 * inverse[self.t_at[:n]])),
                n * digamma(a + b) - np.sum(w * psi_abx) + w4.sum() / a,
                n * digamma(a + b) + np.sum(w * (digamma(b + xs) - psi_abx)) - n * digamma(b)
                - np.sum(w4 / b_x),
            ]
        )  # fmt: skip
        return -float(in_x + ln_a3.sum() + softplus.sum()) / n, -(grad * params) / n


def fit(x: Array, t_x: Array, T: Array) -> BgNbd:
    """The maximum-likelihood parameters, or `FitError`. BFGS on the log-parameters with the
    analytic gradient of the mean log-likelihood, from r = a = b = 1 and alpha = the mean age T
    (the rate's scale is the data's time unit), or for a large shop from a sample's fit
    (`warm_start`)."""
    if len(x) == 0 or not (x > 0).any():
        raise FitError("no repeat purchases")
    objective = _Objective(x, t_x, T)
    theta = _minimise(objective, *warm_start(x, t_x, T))
    r, alpha, a, b = np.exp(theta)
    total = -objective(theta)[0] * len(x)
    return BgNbd(float(r), float(alpha), float(a), float(b), total)


def cold_start(T: Array) -> Array:
    """r = a = b = 1 and alpha = the mean age T, as log-parameters."""
    return np.array([0.0, np.log(max(float(T.mean()), 1e-3)), 0.0, 0.0])


def warm_start(x: Array, t_x: Array, T: Array) -> tuple[Array, Array | None]:
    """Where the search starts, and its first inverse Hessian (None: the identity). Above
    `WARM_START_FROM` customers, the fit of every k-th one's (about `SAMPLE_SIZE`): the same
    maximum, roughly, found at a fraction of the cost, and the curvature there, which the search
    would otherwise spend most of its steps learning. A sample without a repeat buyer, or that
    does not fit, starts cold."""
    if len(x) <= WARM_START_FROM:
        return cold_start(T), None
    every = len(x) // SAMPLE_SIZE
    if not (x[::every] > 0).any():
        return cold_start(T), None
    sample = _Objective(x[::every], t_x[::every], T[::every])
    try:
        theta, hess_inv = _search(sample, cold_start(T[::every]), None)
    except FitError:
        return cold_start(T), None
    hess_inv = (hess_inv + hess_inv.T) / 2  # BFGS's estimate, symmetric up to rounding
    if not np.all(np.isfinite(hess_inv)) or np.linalg.eigvalsh(hess_inv).min() <= 0:
        return theta, None
    return theta, hess_inv


class _RanAway(Exception):
    """A parameter left its range during the search."""


def _minimise(objective: Any, start: Array, hess_inv: Array | None = None) -> Array:
    """The minimum of `objective` (value and gradient), checked (`_search`)."""
    return _search(objective, start, hess_inv)[0]


def _search(objective: Any, start: Array, hess_inv: Array | None) -> tuple[Array, Array]:
    """The minimum of `objective` and BFGS's inverse Hessian there, checked: the search stopped
    with the gradient small and no parameter beyond the bounds; else `FitError`. (BFGS rather
    than L-BFGS-B: no bounds to pass, so no BLAS call per step, whose threads spin on a busy
    machine; a parameter running away is stopped at the bound instead.)"""

    def watch(theta: Array) -> None:
        if np.any(np.abs(theta) > LOG_BOUND):
            raise _RanAway

    options: dict[str, Any] = {"gtol": 1e-9, "maxiter": 400}
    if hess_inv is not None:
        options["hess_inv0"] = hess_inv
    with np.errstate(all="ignore"):
        try:
            result = minimize(
                objective, start, jac=True, method="BFGS", callback=watch, options=options
            )
        except _RanAway:
            raise FitError("a parameter ran to the end of its range") from None
        theta = np.asarray(result.x, dtype=np.float64)
        if not _converged(objective, theta):
            raise FitError("the fit did not converge")
    if np.any(np.abs(theta) > LOG_BOUND):
        raise FitError("a parameter ran to the end of its range")
    return theta, np.asarray(result.hess_inv, dtype=np.float64)


def _converged(objective: Any, theta: Array) -> bool:
    value, grad = objective(theta)
    return bool(np.isfinite(value) and np.all(np.abs(grad) < GRADIENT_TOLERANCE))


def p_alive(model: BgNbd, x: Array, t_x: Array, T: Array) -> Array:
    """P(still a customer): 1 / (1 + a / (b + x - 1) * ((alpha + T) / (alpha + t_x))^(r + x))
    for x > 0, and 1 for x = 0."""
    r, alpha, a, b = model.r, model.alpha, model.a, model.b
    repeat = x > 0
    b_x = np.where(repeat, b + x - 1, 1.0)
    ln_odds = np.log(a) - np.log(b_x) + (r + x) * (np.log(alpha + T) - np.log(alpha + t_x))
    return np.where(repeat, expit(-ln_odds), 1.0)


def expected_if_alive(model: BgNbd, t: float, x: Array, T: Array) -> Array:
    """Purchases expected in the next `t` from a customer who is still one: eq. 10's numerator,
    (a + b + x - 1) / (a - 1) * [1 - ((alpha + T) / (alpha + T + t))^(r + x)
    * 2F1(r + x, b + x; a + b + x - 1; t / (alpha + T + t))]."""
    r, alpha, a, b = model.r, model.alpha, model.a, model.b
    z = t / (alpha + T + t)
    with np.errstate(all="ignore"):
        power = np.exp((r + x) * np.log1p(-z))  # ((alpha + T) / (alpha + T + t))^(r + x)
        bracket = 1.0 - power * hyp2f1(r + x, b + x, a + b + x - 1, z)
        return np.asarray((a + b + x - 1) / (a - 1) * bracket, dtype=np.float64)


def expected_purchases(model: BgNbd, t: float, x: Array, t_x: Array, T: Array) -> Array:
    """E[purchases in the next t | x, t_x, T] (eq. 10) = p_alive * expected_if_alive."""
    return p_alive(model, x, t_x, T) * expected_if_alive(model, t, x, T)
