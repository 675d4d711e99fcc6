"""Purchase-history models for `report forecast` and `report churn --model`, pure numpy/scipy
(no SQL, no database): one module per model.

- `bgnbd`: the BG/NBD model of Fader, Hardie & Lee (2005), "Counting Your Customers the Easy
  Way": how many more times a customer buys, and the chance they are still a customer, from
  three numbers per customer (frequency x = repeat purchase days, recency t_x = time from the
  first to the last purchase day, age T = time from the first purchase day to the end of the
  history).
- `gammagamma`: the Gamma-Gamma spend model (Fader, Hardie & Lee 2005, "RFM and CLV"): a
  customer's expected spend per purchase day, from their repeat days' average.

Both are fitted by maximum likelihood with `scipy.optimize.minimize` on the closed-form
log-likelihoods written with `scipy.special`'s log-gamma functions, with analytic gradients
(BFGS); parameters are searched as logarithms (so they stay positive). A fit that does not
converge (the gradient is not ~0 where it stops), or runs beyond 1e-6 .. 1e6 in a parameter,
raises `FitError`: the caller says so rather than show numbers.
"""

from __future__ import annotations


class FitError(ValueError):
    """The model could not be fitted to the data (what went wrong, in a few words)."""
