"""The demo city: a small Sevastopol for ``manage.py seed_demo`` (``demo.builder``
builds it, ``demo.data`` holds its reference data and logins).

Reference data (providers, services, tariffs, benefits, offices, articles,
logins) and the accounts with their meters and readings are built here; the
money history (charges, benefits, penalties, statements) is produced by the
billing engine itself (``billing.services``), month by month, exactly as an
operator would: the month's payments are posted, the billing run computes the
month, the month is closed.

Guarantees:

* deterministic — every random choice comes from ``random.Random`` seeded
  with 2026 and the natural key of what is being generated (account number,
  meter serial, month), so the same options on the same date give the same
  rows, and a later run reproduces the same values for the same keys;
* idempotent — rows are found or created by natural keys, payments have
  UUIDs derived from their key, readings are only added where missing, and
  closed periods are skipped; a second run changes nothing;
* the history is ``months`` periods ending with the previous month
  (Europe/Simferopol). The current month stays open and unbilled: its
  readings are for residents to submit in the window; its payments so far
  (dated before today) are posted to it. The month before the history holds
  only the meters' starting readings and is closed without a run.

Choices: водоотведение is per resident with a norm of 7.5 m³ (the norms of
cold + hot water), because the engine bills a service from its own meters
only and cannot sum two services' volumes. Heating is spread evenly over the
year (area × rate per m²). Electricity is two-zone (day/night).

Demo features, by account index (number = 1000000001 + index): 0 the demo
resident (benefit, debt, every meter, a recalculation); 1 no hot-water meter
(norm); 2 two months without readings (average) and a recalculation; 3 a
cold-water meter that rolls over; 4 a meter replaced in the middle of the
history; 5 five months without readings (average ×3, then norm); 9/33
«Многодетная семья», 14 «Ветеран труда», 21/40 «Инвалид»; debtors (4–8
months without paying): 5, 17, 31, 44 still owe, 11 and 23 paid it back
(a small run makes its last account a debtor); 12/26 (cold) and 15 (hot)
expired verification, 0/7 (hot) and 19 (cold) due within 60 days. The demo
resident also has a saved sandbox card and an active autopay with one past
charge (``demo.cards``).
"""
