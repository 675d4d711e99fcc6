"""The Gamma-Gamma spend model (Fader, Hardie & Lee 2005, "RFM and CLV: Using Iso-Value Curves
for Customer Base Analysis", JMR 42(4); Fader & Hardie's note "The Gamma-Gamma Model of
Monetary Value", 2013).

A customer's spend on each purchase is Gamma(p, nu) around their own mean, and nu ~ Gamma(q,
gamma) across customers, so their mean spend is p / nu. It is fitted on the repeat buyers
(x > 0) with m = the average of their x repeat purchases (the first purchase left out), and
assumes spend does not depend on how often one buys.

- `fit(x, m)` maximises the log-likelihood of the averages and returns `GammaGamma`;
- `expected_spend(model, x, m)`: E[spend per purchase | x, m]
  = (p * (gamma + x * m)) / (p * x + q - 1), a weighted mean of the shop's mean spend
  p * gamma / (q - 1) and the customer's own average m (x = 0: the shop's mean). Finite only
  for q > 1, which `fit` requires.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy.special import digamma, gammaln

from memberctl.domain.forecast import FitError
from memberctl.domain.forecast.bgnbd import Array, _minimise


@dataclass(frozen=True)
class GammaGamma:
    p: float
    q: float
    gamma: float


def log_likelihood(params: Array, x: Array, m: Array) -> tuple[Array, Array]:
    """Each customer's log-likelihood of their average m over x purchases, at params = (p, q,
    gamma), and its gradient (3 x n)."""
    p, q, g = params
    px = p * x
    ln_xm_g = np.log(x * m + g)
    ll = (
        gammaln(px + q) - gammaln(px) - gammaln(q) + q * np.log(g)
        + (px - 1) * np.log(m) + px * np.log(x) - (px + q) * ln_xm_g
    )  # fmt: skip
    psi = digamma(px + q)
    grad = np.stack(
        [
            x * (psi - digamma(px) + np.log(m) + np.log(x) - ln_xm_g),
            psi - digamma(q) + np.log(g) - ln_xm_g,
            q / g - (px + q) / (x * m + g),
        ]
    )
    return ll, grad


class _Objective:
    """The mean negative log-likelihood and its gradient with respect to the log-parameters, as
    `log_likelihood` sums them, with the functions of p * x alone computed once per distinct x."""

    def __init__(self, x: Array, m: Array) -> None:
        self.n = len(x)
        self.xs, self.x_at, counts = np.unique(x, return_inverse=True, return_counts=True)
        self.counts = counts.astype(np.float64)
        self.x, self.xm = x, x * m
        self.fixed = np.sum(x * (np.log(m) + np.log(x)))  # d/dp of (px - 1) ln m + px ln x
        self.ln_m, self.ln_x = np.sum(np.log(m)), np.log(x)
        self.x_ln = np.sum(x * np.log(m)) + np.sum(x * np.log(x))

    def __call__(self, theta: Array) -> tuple[float, Array]:
        p, q, g = params = np.exp(theta)
        n, xs, w, x = self.n, self.xs, self.counts, self.x
        ln_xm_g = np.log(self.xm + g)
        pxq = p * x + q
        ll = (
            np.sum(w * (gammaln(p * xs + q) - gammaln(p * xs))) - n * gammaln(q)
            + n * q * np.log(g) + p * self.x_ln - self.ln_m - np.sum(pxq * ln_xm_g)
        )  # fmt: skip
        psi = digamma(p * xs + q)
        grad = np.array(
            [
                np.sum(w * xs * (psi - digamma(p * xs))) + self.fixed - np.sum(x * ln_xm_g),
                np.sum(w * psi) - n * digamma(q) + n * np.log(g) - np.sum(ln_xm_g),
                n * q / g - np.sum(pxq / (self.xm + g)),
            ]
        )
        return -float(ll) / n, -(grad * params) / n


def fit(x: Array, m: Array) -> GammaGamma:
    """The maximum-likelihood parameters over the customers with x > 0 and m > 0, from
    p = q = 1 and gamma = their mean spend, or `FitError` (also when q <= 1: the model's mean
    spend would be infinite)."""
    keep = (x > 0) & (m > 0)
    x, m = x[keep], m[keep]
    if len(x) == 0:
        raise FitError("no repeat purchases with a spend")
    theta = _minimise(_Objective(x, m), np.array([0.0, 0.0, np.log(float(m.mean()))]))
    p, q, g = (float(v) for v in np.exp(theta))
    if q <= 1:
        raise FitError("the spend model has no finite mean (q <= 1)")
    return GammaGamma(p, q, g)


def expected_spend(model: GammaGamma, x: Array, m: Array) -> Array:
    """E[spend per purchase | x, m] (m is ignored where x = 0)."""
    p, q, g = model.p, model.q, model.gamma
    return np.asarray((p * (g + x * np.where(x > 0, m, 0.0))) / (p * x + q - 1))
