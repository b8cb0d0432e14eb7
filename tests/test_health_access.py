"""Access strategies (model/health/access.py): they spend exactly the group's food, a
better-off band never gets less, equal sharing is the degenerate case, and the linear rule
reproduces health.md's own re-implementation of the Clingendael distribution (row L8)."""

from __future__ import annotations

import numpy as np
import pytest

from lachin_sim.config.health import Access
from lachin_sim.model.health.access import AccessRule

STRATEGIES = ["equal", "linear", "lognormal"]


def random_cases(seed: int, groups: int = 40, bands: int = 100):
    """Random group sizes per band (some bands emptied by deaths) and mean shares 0..1.2."""
    rng = np.random.default_rng(seed)
    weights = rng.random((groups, bands)) * (rng.random((groups, bands)) > 0.1)
    weights[0] = 0.0  # a group with nobody left
    total = weights.sum(axis=1, keepdims=True)
    weights = np.divide(weights, total, out=np.zeros_like(weights), where=total > 0)
    mean = rng.random(groups) * 1.2
    mean[1:4] = [0.0, 0.4545, 1.0]  # nothing, exactly the floor, exactly the ceiling
    return mean, weights


@pytest.mark.parametrize("strategy", STRATEGIES)
@pytest.mark.parametrize("seed", [1, 2, 3])
def test_food_is_spent_exactly_and_bands_are_ordered(strategy, seed):
    """For every group with people: sum of weight x share = the mean share (to float
    rounding), and shares never decrease from band 0 (least access) upwards."""
    mean, weights = random_cases(seed)
    shares = AccessRule(Access(strategy=strategy), weights.shape[1]).shares(mean, weights)
    spent = (weights * shares).sum(axis=1)
    people = weights.sum(axis=1) > 0
    np.testing.assert_allclose(spent[people], mean[people], rtol=1e-12, atol=1e-15)
    assert np.all(np.diff(shares, axis=1) >= -1e-15)
    assert np.all(shares >= 0)


@pytest.mark.parametrize(("strategy", "change"), [
    ("equal", {}), ("linear", {"slope_share_per_percentile": 0.0}), ("lognormal", {"cv": 0.0}),
])  # fmt: skip
def test_equal_access_is_the_degenerate_case(strategy, change):
    """``equal``, a linear rule with no slope and a log-normal rule with no spread all give
    every band the mean share; so does any rule with a single band."""
    mean, weights = random_cases(4)
    people = weights.sum(axis=1) > 0
    below_ceiling = people & (mean < 1.0)
    shares = AccessRule(Access(strategy=strategy, **change), 100).shares(mean, weights)
    np.testing.assert_allclose(shares[below_ceiling], np.repeat(mean[below_ceiling, None], 100, 1),
                               rtol=1e-12)  # fmt: skip
    one = AccessRule(Access(strategy=strategy), 1).shares(mean, np.ones((len(mean), 1)))
    np.testing.assert_allclose(one[:, 0], mean)


def test_unequal_rules_respect_floor_and_ceiling():
    """Linear shares stay within [floor, ceiling] whenever the mean lies between them;
    log-normal shares never pass the ceiling; beyond either end everyone gets the mean."""
    mean, weights = random_cases(5)
    people = weights.sum(axis=1) > 0
    linear = AccessRule(Access(), 100).shares(mean, weights)
    inside = people & (mean > 0.4545) & (mean < 1.0)
    assert np.all(linear[inside] >= 0.4545 - 1e-12) and np.all(linear[inside] <= 1.0 + 1e-12)
    outside = people & ((mean <= 0.4545) | (mean >= 1.0))
    np.testing.assert_allclose(linear[outside], np.repeat(mean[outside, None], 100, 1))
    lognormal = AccessRule(Access(strategy="lognormal"), 100).shares(mean, weights)
    assert np.all(lognormal[people & (mean < 1.0)] <= 1.0 + 1e-12)


def gini(x: np.ndarray) -> float:
    x = np.sort(x)
    n = len(x)
    return float((2 * np.arange(1, n + 1) - n - 1) @ x / (n * x.sum()))


@pytest.mark.parametrize(("mean_kcal", "row_gini"), [(1400, 0.130), (1800, 0.101), (2000, 0.061)])
def test_linear_rule_reproduces_row_l8(mean_kcal, row_gini):
    """Row L8 (health.md's re-implementation of the Clingendael rule: slope 11.9 kcal per
    percentile, floor 1,000, ceiling 2,200 total kcal; 100 percentiles). At a mean of 1,400 kcal:
    p1 1,000, p50 1,374 (962 grain-kcal), p100 1,970 (1,379 grain-kcal), Gini 0.130, the bottom
    ten percentiles eat 7.1 % of the food, 18 percentiles sit at the floor. Gini 0.101 at 1,800
    and 0.061 at 2,000 kcal."""
    requirement = 2200.0
    access = Access(slope_share_per_percentile=8.34 / 0.7 / requirement,
                    floor_share=1000 / requirement, ceiling_share=1.0)  # fmt: skip
    rule = AccessRule(access, 100)
    kcal = rule.shares(np.array([mean_kcal / requirement]), np.full((1, 100), 0.01))[0]
    kcal = kcal * requirement
    assert kcal.mean() == pytest.approx(mean_kcal, rel=1e-12)
    assert gini(kcal) == pytest.approx(row_gini, abs=0.0015)
    if mean_kcal == 1400:
        assert kcal[0] == pytest.approx(1000)
        assert kcal[49] == pytest.approx(962 / 0.7, abs=1.5)
        assert kcal[99] == pytest.approx(1379 / 0.7, abs=1.5)
        assert kcal[:10].sum() / kcal.sum() == pytest.approx(0.071, abs=0.0005)
        assert int((kcal <= 1000 + 1e-9).sum()) == 18


def test_a_smaller_budget_never_gives_a_band_more():
    """Less food for the group lowers (or keeps) every band's share: access is monotone."""
    rule = AccessRule(Access(), 100)
    weights = np.full((1, 100), 0.01)
    means = np.linspace(0.0, 1.1, 60)
    shares = np.vstack([rule.shares(np.array([m]), weights) for m in means])
    assert np.all(np.diff(shares, axis=0) >= -1e-12)
