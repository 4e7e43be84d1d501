"""ЖК РФ ст. 155 ч. 14 read straight from the statute and DOMAIN.md, written
apart from :mod:`billing.penalties` (nothing of the product is imported) so
that the tests compare two implementations. Day by day, exact fractions, one
rounding.

Checked by hand before it was trusted: 158 176,13 ₽ due 10.02.2019, paid
03.12.2019 — day 1 = 11.02.2019; days 31–90 = 13.03–11.05.2019, 60 days at
1/300; days 91+ = 12.05–03.12.2019, 206 days at 1/130; key rate on 03.12.2019
6,5 % → 158 176,13 × 0,065 × (60/300 + 206/130) = 18 348,431… → 18 348,43 ₽.
71 229,15 ₽ due 10.02.2021, paid 17.03.2022 — 60 days at 1/300, 310 at 1/130
(12.05.2021–17.03.2022), rate min(9,5; 20) = 9,5 % on every day →
17 489,4959… → 17 489,50 ₽ (two lines rounded apart would give 17 489,49).
"""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal
from fractions import Fraction

# DOMAIN.md, "Key rate of the Bank of Russia, effective date → %", and the
# refinancing rate before 2016.
_DOMAIN_TABLE = """
14.09.2012 8.25  03.08.2015 11.0  14.06.2016 10.5  19.09.2016 10.0  27.03.2017 9.75  02.05.2017 9.25
19.06.2017 9.0   18.09.2017 8.5   30.10.2017 8.25  18.12.2017 7.75  12.02.2018 7.5   26.03.2018 7.25
17.09.2018 7.5   17.12.2018 7.75  17.06.2019 7.5   29.07.2019 7.25  09.09.2019 7.0   28.10.2019 6.5
16.12.2019 6.25  10.02.2020 6.0   27.04.2020 5.5   22.06.2020 4.5   27.07.2020 4.25  22.03.2021 4.5
26.04.2021 5.0   15.06.2021 5.5   26.07.2021 6.5   13.09.2021 6.75  25.10.2021 7.5   20.12.2021 8.5
14.02.2022 9.5   28.02.2022 20.0  11.04.2022 17.0  04.05.2022 14.0  27.05.2022 11.0  14.06.2022 9.5
25.07.2022 8.0   19.09.2022 7.5   24.07.2023 8.5   15.08.2023 12.0  18.09.2023 13.0  30.10.2023 15.0
18.12.2023 16.0  29.07.2024 18.0  16.09.2024 19.0  28.10.2024 21.0  09.06.2025 20.0  28.07.2025 18.0
15.09.2025 17.0  27.10.2025 16.5  22.12.2025 16.0
"""
_cells = _DOMAIN_TABLE.split()
DOMAIN_RATES = [
    (date(int(d[6:]), int(d[3:5]), int(d[:2])), Decimal(r)) for d, r in zip(_cells[::2], _cells[1::2], strict=True)
]
# ПП РФ № 474 / 2382 / 329: a payment (or calculation) day from 28.02.2022 to
# 31.12.2026 takes min(9.5 %, key rate), inclusive dates.
DOMAIN_CAP = (date(2022, 2, 28), date(2026, 12, 31), Decimal("9.5"))
# ПП 424 and ПП 497 as courts read them; inclusive dates; 01.10.2022 accrues.
DOMAIN_MORATORIA = [(date(2020, 4, 6), date(2020, 12, 31)), (date(2022, 4, 1), date(2022, 9, 30))]


def statute_penalty(amount, due, paid, *, rates=None, cap=DOMAIN_CAP, moratoria=None):
    """``(days at 1/300, days at 1/130, rate, penalty)`` on ``amount`` due on
    ``due`` and paid on ``paid`` (or computed on that day while unpaid).
    ``rate`` and ``penalty`` are None when a rate is needed and unknown."""
    rates = DOMAIN_RATES if rates is None else rates
    moratoria = DOMAIN_MORATORIA if moratoria is None else moratoria
    days_300 = days_130 = 0
    day, n = due, 0
    while day < paid:
        day += timedelta(days=1)
        n += 1  # the n-th day of the delay, counted through moratoria
        if any(start <= day <= end for start, end in moratoria):
            continue
        if 31 <= n <= 90:
            days_300 += 1
        elif n >= 91:
            days_130 += 1
    if days_300 + days_130 == 0:
        return days_300, days_130, None, Decimal("0.00")
    known = [(since, rate) for since, rate in rates if since <= paid]
    if not known:
        return days_300, days_130, None, None
    rate = max(known)[1]  # the rate in force on the payment day
    if cap is not None and cap[0] <= paid <= cap[1]:
        rate = min(rate, cap[2])
    exact = Fraction(amount) * Fraction(rate) / 100 * (Fraction(days_300, 300) + Fraction(days_130, 130))
    kopecks = exact * 100
    whole = kopecks.numerator // kopecks.denominator
    if kopecks - whole >= Fraction(1, 2):  # half a kopeck goes up
        whole += 1
    return days_300, days_130, rate, (Decimal(whole) / 100).quantize(Decimal("0.01"))
