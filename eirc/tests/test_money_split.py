"""``split_proportionally``: a total in kopecks shared out by weights."""

from __future__ import annotations

from decimal import Decimal
from fractions import Fraction

import pytest
from hypothesis import given
from hypothesis import strategies as st

from eirc.money import split_proportionally, to_kopecks

totals = st.integers(min_value=0, max_value=10**12).map(lambda k: Decimal(k) / 100)
weights = st.lists(
    st.decimals(min_value=0, max_value=10**7, places=2, allow_nan=False, allow_infinity=False), min_size=1, max_size=12
).filter(any)


@given(total=totals, weights=weights)
def test_parts_add_up_exactly_to_the_total(total, weights):
    parts = split_proportionally(total, weights)
    assert len(parts) == len(weights)
    assert sum(parts, Decimal(0)) == total
    assert all(p == p.quantize(Decimal("0.01")) for p in parts)


@given(total=totals, weights=weights)
def test_no_part_is_negative(total, weights):
    assert all(p >= 0 for p in split_proportionally(total, weights))


@given(total=totals, weights=weights)
def test_every_part_is_within_a_kopeck_of_its_exact_share(total, weights):
    whole = sum(Fraction(w) for w in weights)
    for part, weight in zip(split_proportionally(total, weights), weights, strict=True):
        exact = Fraction(to_kopecks(total)) * Fraction(weight) / whole
        assert abs(Fraction(to_kopecks(part)) - exact) < 1
        if weight == 0:
            assert part == 0


def test_leftover_kopecks_go_to_the_largest_remainders_first_part_on_a_tie():
    assert split_proportionally(Decimal("100.00"), [Decimal(1)] * 3) == [
        Decimal("33.34"),
        Decimal("33.33"),
        Decimal("33.33"),
    ]
    # 0.05 by 1:2 is 0.01(6) and 0.03(3): the first remainder (2/3) is larger.
    assert split_proportionally(Decimal("0.05"), [Decimal(1), Decimal(2)]) == [Decimal("0.02"), Decimal("0.03")]
    assert split_proportionally(Decimal("10.00"), [Decimal("0"), Decimal("5.50")]) == [
        Decimal("0.00"),
        Decimal("10.00"),
    ]


@pytest.mark.parametrize(
    ("total", "weights"),
    [
        (Decimal("-1.00"), [Decimal(1)]),
        (Decimal("1.005"), [Decimal(1)]),
        (Decimal("1.00"), [Decimal(0), Decimal(0)]),
        (Decimal("1.00"), []),
        (Decimal("1.00"), [Decimal(2), Decimal(-1)]),
    ],
)
def test_a_negative_total_or_weight_fractions_of_a_kopeck_or_no_weight_are_refused(total, weights):
    with pytest.raises(ValueError):
        split_proportionally(total, weights)
