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


def fit(x: Array, m: Array) -> GammaGamma:
    """The maximum-likelihood parameters over the customers with x > 0 and m > 0, from
    p = q = 1 and gamma = their mean spend, or `FitError` (also when q <= 1: the model's mean
    spend would be infinite)."""
    keep = (x > 0) & (m > 0)
    x, m = x[keep], m[keep]
    n = len(x)
    if n == 0:
        raise FitError("no repeat purchases with a spend")

    def objective(theta: Array) -> tuple[float, Array]:
        params = np.exp(theta)
        ll, grad = log_likelihood(params, x, m)
        return -float(ll.sum()) / n, -(grad.sum(axis=1) * params) / n

    theta = _minimise(objective, np.array([0.0, 0.0, np.log(float(m.mean()))]))
    p, q, g = (float(v) for v in np.exp(theta))
    if q <= 1:
        raise FitError("the spend model has no finite mean (q <= 1)")
    return GammaGamma(p, q, g)


def expected_spend(model: GammaGamma, x: Array, m: Array) -> Array:
    """E[spend per purchase | x, m] (m is ignored where x = 0)."""
    p, q, g = model.p, model.q, model.gamma
    return np.asarray((p * (g + x * np.where(x > 0, m, 0.0))) / (p * x + q - 1))
