"""The BG/NBD and Gamma-Gamma models (memberctl/domain/forecast/) checked by hand: closed forms
worked out in the test with `math`, the hypergeometric series summed term by term, the
published CDNOW parameters, and the gradients against finite differences."""

from __future__ import annotations

import functools
import math

import numpy as np
import pytest
from scipy.optimize import approx_fprime

from memberctl.domain.forecast import FitError, bgnbd, gammagamma
from tests import cdnow

CDNOW_BGNBD = bgnbd.BgNbd(r=0.243, alpha=4.414, a=0.793, b=2.426, log_likelihood=0.0)


def arrays(*values: float) -> np.ndarray:
    return np.array(values, dtype=np.float64)


@functools.cache
def calibration() -> tuple[np.ndarray, ...]:
    """CDNOW summarised by hand: x, t_x, T (weeks) and the repeat days' average spend."""
    days: dict[int, dict[object, float]] = {}
    for sample_id, day, dollars in cdnow.records():
        if day <= cdnow.CALIBRATION_END:
            per = days.setdefault(sample_id, {})
            per[day] = per.get(day, 0.0) + float(dollars)
    x, t_x, age, m = [], [], [], []
    for per in days.values():
        order = sorted(per)
        x.append(len(order) - 1)
        t_x.append((order[-1] - order[0]).days / 7)
        age.append((cdnow.CALIBRATION_END - order[0]).days / 7)
        m.append(sum(per[d] for d in order[1:]) / (len(order) - 1) if len(order) > 1 else 0.0)
    return tuple(np.array(v, dtype=np.float64) for v in (x, t_x, age, m))


def test_p_alive_is_one_without_a_repeat_purchase():
    alive = bgnbd.p_alive(CDNOW_BGNBD, arrays(0, 0), arrays(0, 0), arrays(0.5, 38))
    assert alive.tolist() == [1.0, 1.0]


def test_p_alive_by_hand():
    # r = alpha = a = b = 1, x = 1, t_x = 1, T = 3: 1 / (1 + 1/1 * (4/2)^2) = 0.2
    model = bgnbd.BgNbd(1.0, 1.0, 1.0, 1.0, 0.0)
    assert bgnbd.p_alive(model, arrays(1), arrays(1), arrays(3))[0] == pytest.approx(0.2)
    # CDNOW's parameters, x = 2, t_x = 30, T = 38.86:
    x, t_x, age = 2, 30.0, 38.86
    odds = 0.793 / (2.426 + x - 1) * ((4.414 + age) / (4.414 + t_x)) ** (0.243 + x)
    got = bgnbd.p_alive(CDNOW_BGNBD, arrays(x), arrays(t_x), arrays(age))[0]
    assert got == pytest.approx(1 / (1 + odds), rel=1e-12)


def test_a_recent_buyer_is_more_alive_than_one_long_gone():
    alive = bgnbd.p_alive(CDNOW_BGNBD, arrays(5, 5), arrays(38, 5), arrays(39, 39))
    assert alive[0] > 0.8 > 0.2 > alive[1]


def hyp2f1_series(a: float, b: float, c: float, z: float) -> float:
    total, term, k = 1.0, 1.0, 0
    while abs(term) > 1e-16 * abs(total):
        term *= (a + k) * (b + k) / ((c + k) * (k + 1)) * z
        total += term
        k += 1
    return total


@pytest.mark.parametrize(
    ("x", "t_x", "age", "t"), [(0, 0, 20, 10), (3, 15, 30, 39), (7, 36, 38, 52)]
)
def test_expected_purchases_is_equation_10(x, t_x, age, t):
    r, alpha, a, b = 0.243, 4.414, 0.793, 2.426
    z = t / (alpha + age + t)
    bracket = 1 - ((alpha + age) / (alpha + age + t)) ** (r + x) * hyp2f1_series(
        r + x, b + x, a + b + x - 1, z
    )
    numerator = (a + b + x - 1) / (a - 1) * bracket
    extra = a / (b + x - 1) * ((alpha + age) / (alpha + t_x)) ** (r + x) if x > 0 else 0.0
    got = bgnbd.expected_purchases(CDNOW_BGNBD, t, arrays(x), arrays(t_x), arrays(age))[0]
    assert got == pytest.approx(numerator / (1 + extra), rel=1e-9)


def test_over_a_moment_an_active_customer_buys_at_their_expected_rate():
    # E[Y(t) | alive] / t -> E[lambda | x, T] = (r + x) / (alpha + T) as t -> 0
    got = bgnbd.expected_if_alive(CDNOW_BGNBD, 1e-6, arrays(4), arrays(30))[0] / 1e-6
    assert got == pytest.approx((0.243 + 4) / (4.414 + 30), rel=1e-5)


def test_the_cdnow_fit_gives_the_published_parameters():
    x, t_x, age, m = calibration()
    assert (len(x), int((x > 0).sum())) == (2357, 946)
    fitted = bgnbd.fit(x, t_x, age)
    published = (0.243, 4.414, 0.793, 2.426)
    assert (fitted.r, fitted.alpha, fitted.a, fitted.b) == pytest.approx(published, rel=0.01)
    assert fitted.log_likelihood == pytest.approx(-9582.4, abs=0.1)
    spend = gammagamma.fit(x, m)
    assert (spend.p, spend.q, spend.gamma) == pytest.approx((6.25, 3.74, 15.44), rel=0.01)


def test_the_gradients_are_the_likelihoods_derivatives():
    x, t_x, age, m = calibration()
    params = arrays(0.3, 5.0, 0.8, 2.0)
    numeric = approx_fprime(params, lambda p: bgnbd.log_likelihood(p, x, t_x, age)[0].sum(), 1e-7)
    analytic = bgnbd.log_likelihood(params, x, t_x, age)[1].sum(axis=1)
    assert analytic == pytest.approx(numeric, rel=1e-4)
    keep = x > 0
    params = arrays(6.0, 3.7, 15.0)
    numeric = approx_fprime(
        params, lambda p: gammagamma.log_likelihood(p, x[keep], m[keep])[0].sum(), 1e-7
    )
    analytic = gammagamma.log_likelihood(params, x[keep], m[keep])[1].sum(axis=1)
    assert analytic == pytest.approx(numeric, rel=1e-4)


def test_expected_spend_by_hand():
    model = gammagamma.GammaGamma(p=6.25, q=3.74, gamma=15.44)
    got = gammagamma.expected_spend(model, arrays(0, 2), arrays(0, 40))
    assert got[0] == pytest.approx(6.25 * 15.44 / 2.74)  # the shop's mean spend
    assert got[1] == pytest.approx(6.25 * (15.44 + 2 * 40) / (6.25 * 2 + 3.74 - 1))


def test_no_repeat_purchase_is_no_fit():
    with pytest.raises(FitError):
        bgnbd.fit(arrays(0, 0), arrays(0, 0), arrays(3, 4))
    with pytest.raises(FitError):
        gammagamma.fit(arrays(0, 0), arrays(0, 0))


def test_a_history_without_drop_outs_is_no_fit():
    # 40 customers who each bought every week up to the end: the drop-out probability runs to 0
    with pytest.raises(FitError):
        bgnbd.fit(np.full(40, 10.0), np.full(40, 10.0), np.full(40, 10.0))


def test_log_likelihood_at_the_published_parameters():
    x, t_x, age, _ = calibration()
    params = arrays(0.243, 4.414, 0.793, 2.426)
    assert bgnbd.log_likelihood(params, x, t_x, age)[0].sum() == pytest.approx(-9582.4, abs=0.5)
    assert math.isfinite(bgnbd.log_likelihood(params, x, t_x, age)[0].sum())


def test_a_large_shop_is_fitted_from_a_samples_fit_to_the_same_maximum():
    # CDNOW 22 times over (51,854 customers): the same maximum as CDNOW's own, found from the fit
    # of every second customer, with the sample's curvature
    x, t_x, age, _ = (np.tile(values, 22) for values in calibration())
    assert len(x) > bgnbd.WARM_START_FROM
    start, hess_inv = bgnbd.warm_start(x, t_x, age)
    assert hess_inv is not None and np.all(np.linalg.eigvalsh(hess_inv) > 0)
    assert np.exp(start) == pytest.approx((0.243, 4.414, 0.793, 2.426), rel=0.05)
    once = bgnbd.fit(*calibration()[:3])
    fitted = bgnbd.fit(x, t_x, age)
    assert (fitted.r, fitted.alpha, fitted.a, fitted.b) == pytest.approx(
        (once.r, once.alpha, once.a, once.b), rel=1e-5
    )
    assert fitted.log_likelihood == pytest.approx(22 * once.log_likelihood, rel=1e-9)


def test_a_small_shop_starts_cold():
    x, t_x, age, _ = calibration()
    start, hess_inv = bgnbd.warm_start(x, t_x, age)
    assert hess_inv is None
    assert start == pytest.approx([0.0, math.log(age.mean()), 0.0, 0.0])


def test_a_sample_without_a_repeat_buyer_starts_cold():
    # every k-th customer of this shop bought once: the sample has no repeat buyer
    x = np.zeros(60_000)
    x[1::2] = 3.0
    t_x = np.where(x > 0, 5.0, 0.0)
    age = np.full(60_000, 20.0)
    start, hess_inv = bgnbd.warm_start(x, t_x, age)
    assert hess_inv is None
    assert start == pytest.approx([0.0, math.log(20.0), 0.0, 0.0])


def test_a_sample_that_does_not_fit_starts_cold():
    # 60,000 customers who each bought every week up to the end: the sample's fit runs away
    # (no drop-outs), and the search over all of them starts cold and is refused in turn
    x, t_x, age = np.full(60_000, 10.0), np.full(60_000, 10.0), np.full(60_000, 10.0)
    start, hess_inv = bgnbd.warm_start(x, t_x, age)
    assert hess_inv is None
    assert start == pytest.approx([0.0, math.log(10.0), 0.0, 0.0])
    with pytest.raises(FitError):
        bgnbd.fit(x, t_x, age)
