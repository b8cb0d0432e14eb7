"""Queueing theory: the inspection lanes form an M/M/c queue whose waits match Erlang C.

Poisson arrivals of single trucks (rate lambda per hour), no travel time, c lanes with
exponential inspection times (rate mu per hour). Erlang C gives the probability that a truck
waits, C(c, a) with a = lambda / mu, and the mean wait in the queue, Wq = C(c, a) / (c mu - lambda).
The simulated means are compared with these within 4 standard errors estimated from batch
means (consecutive trucks in 20 batches, so that correlated waits do not understate the error).
"""

from __future__ import annotations

import datetime as dt
import math

import numpy as np
import pytest

import lachin_sim as ls

START = dt.date(2023, 1, 1)
BATCHES = 20


def erlang_c(c: int, a: float) -> float:
    """Probability that an arriving customer waits in an M/M/c queue with offered load a."""
    top = a**c / math.factorial(c) * c / (c - a)
    return top / (sum(a**k / math.factorial(k) for k in range(c)) + top)


def mmc_scenario(make_scenario, lanes: int, arrivals_per_h: float, mean_h: float, years: int):
    return make_scenario(
        end=START + dt.timedelta(days=365 * years),
        commodities={"goods": {"unit": "t", "need_per_person_day": 0.0}},
        regimes={
            "check": {
                "allowed_operators": ["commercial"],
                "inspection_lanes": lanes,
                "inspection_time_h": {"dist": "exponential", "mean": mean_h},
            }
        },
        corridors={"road": {"timeline": [{"start": START, "regime": "check"}]}},
        convoys={
            "trade": {
                "operator": "commercial",
                "corridor": "road",
                "schedule": "poisson",
                "trucks_per_day": arrivals_per_h * 24,
                "convoy_size": 1,
                "payload_t": 1.0,
                "cargo": {"goods": 1.0},
            }
        },
    )


def batch_mean_and_error(values: np.ndarray) -> tuple[float, float]:
    """Grand mean and its standard error from BATCHES consecutive batch means."""
    n = len(values) // BATCHES * BATCHES
    means = values[:n].reshape(BATCHES, -1).mean(axis=1)
    return float(means.mean()), float(means.std(ddof=1) / math.sqrt(BATCHES))


def check_mmc(make_scenario, lanes, arrivals_per_h, mean_h, years, seed):
    result = ls.simulate(mmc_scenario(make_scenario, lanes, arrivals_per_h, mean_h, years), seed)
    c = result.convoys.sort_values("reached_checkpoint")
    c = c[c["inspection_start"].notna()]  # trucks still queueing at the end have no wait yet
    mu = 1 / mean_h
    a = arrivals_per_h / mu
    assert 0.6 <= a / lanes <= 0.8, "utilisation outside the range this test is sized for"
    queue_h = c["queue_h"].to_numpy()
    done = c[c["inspected"].notna()]
    service_h = ((done["inspected"] - done["inspection_start"]) / np.timedelta64(1, "h")).to_numpy()
    assert len(queue_h) > 5000

    wq, wq_se = batch_mean_and_error(queue_h)
    expected_wq = erlang_c(lanes, a) / (lanes * mu - arrivals_per_h)
    assert abs(wq - expected_wq) < 4 * wq_se, (wq, wq_se, expected_wq)

    p_wait, p_se = batch_mean_and_error((queue_h > 1e-9).astype(float))
    assert abs(p_wait - erlang_c(lanes, a)) < 4 * p_se, (p_wait, p_se, erlang_c(lanes, a))

    service, service_se = batch_mean_and_error(service_h)
    assert abs(service - mean_h) < 4 * service_se

    arrivals = len(result.convoys) / (result.scenario.days * 24)
    assert arrivals == pytest.approx(arrivals_per_h, rel=4 / math.sqrt(len(result.convoys)))
    # the errors are small enough for the test to tell a wrong model from the right one
    assert wq_se < 0.15 * expected_wq


@pytest.mark.parametrize(
    ("lanes", "arrivals_per_h", "mean_h"),
    [(1, 0.7, 1.0), (2, 1.5, 1.0)],
    ids=["M/M/1 rho=0.7", "M/M/2 rho=0.75"],
)
def test_mean_queue_wait_matches_erlang_c(make_scenario, lanes, arrivals_per_h, mean_h):
    """Mean wait and probability of waiting match Erlang C over two simulated years."""
    check_mmc(make_scenario, lanes, arrivals_per_h, mean_h, years=2, seed=7)


@pytest.mark.slow
@pytest.mark.parametrize(
    ("lanes", "arrivals_per_h", "mean_h"),
    [(1, 0.8, 1.0), (2, 1.2, 1.25), (3, 0.5, 4.0)],
    ids=["M/M/1 rho=0.8", "M/M/2 rho=0.75", "M/M/3 rho=0.67"],
)
@pytest.mark.parametrize("seed", [1, 2, 3])
def test_mean_queue_wait_matches_erlang_c_long_runs(
    make_scenario, lanes, arrivals_per_h, mean_h, seed
):
    """The Erlang C match holds over twenty simulated years, for several loads and seeds."""
    check_mmc(make_scenario, lanes, arrivals_per_h, mean_h, years=20, seed=seed)


def test_erlang_c_reference_values():
    """The reference formula itself: M/M/1 waits with probability rho; a known M/M/2 value."""
    assert erlang_c(1, 0.7) == pytest.approx(0.7)
    # M/M/2 with a = 1: C = (1/2 * 2) / (1 + 1 + 1) = 1/3
    assert erlang_c(2, 1.0) == pytest.approx(1 / 3)
