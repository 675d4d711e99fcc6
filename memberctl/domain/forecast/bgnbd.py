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
# Each parameter is searched as its logarithm within these bounds (1e-6 .. 1e6): a fit that ends
# on one of them has not found a maximum (the data say "no drop-out" or "no repeat buying").
LOG_BOUND = 13.8
GRADIENT_TOLERANCE = 1e-6  # of the mean log-likelihood per customer, per log-parameter


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


def fit(x: Array, t_x: Array, T: Array) -> BgNbd:
    """The maximum-likelihood parameters, or `FitError`. L-BFGS-B on the log-parameters with the
    analytic gradient of the mean log-likelihood, from r = a = b = 1 and alpha = the mean age T
    (the rate's scale is the data's time unit); Nelder-Mead takes over if it stops early."""
    n = len(x)
    if n == 0 or not (x > 0).any():
        raise FitError("no repeat purchases")

    def objective(theta: Array) -> tuple[float, Array]:
        params = np.exp(theta)
        ll, grad = log_likelihood(params, x, t_x, T)
        return -float(ll.sum()) / n, -(grad.sum(axis=1) * params) / n

    start = np.array([0.0, np.log(max(float(T.mean()), 1e-3)), 0.0, 0.0])
    theta = _minimise(objective, start)
    r, alpha, a, b = np.exp(theta)
    total = float(log_likelihood(np.exp(theta), x, t_x, T)[0].sum())
    return BgNbd(float(r), float(alpha), float(a), float(b), total)


def _minimise(objective: Any, start: Array) -> Array:
    """The minimum of `objective` (value and gradient) within the bounds, checked: the gradient
    is small there and no parameter is on a bound; else `FitError`."""
    bounds = [(-LOG_BOUND, LOG_BOUND)] * len(start)
    with np.errstate(all="ignore"):
        result = minimize(
            objective, start, jac=True, method="L-BFGS-B", bounds=bounds,
            options={"maxiter": 1000, "ftol": 1e-15, "gtol": 1e-10},
        )  # fmt: skip
        theta = result.x
        if not _converged(objective, theta):
            result = minimize(
                lambda t: objective(t)[0], theta, method="Nelder-Mead", bounds=bounds,
                options={"maxiter": 4000, "xatol": 1e-9, "fatol": 1e-13},
            )  # fmt: skip
            theta = result.x
        if not _converged(objective, theta):
            raise FitError("the fit did not converge")
    if np.any(np.abs(theta) > LOG_BOUND - 1e-3):
        raise FitError("a parameter ran to the end of its range")
    return np.asarray(theta, dtype=np.float64)


def _converged(objective: Any, theta: Array) -> bool:
    value, grad = objective(theta)
    inside = np.abs(theta) < LOG_BOUND - 1e-3  # on a bound the gradient need not vanish
    return bool(np.isfinite(value) and np.all(np.abs(grad[inside]) < GRADIENT_TOLERANCE))


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
