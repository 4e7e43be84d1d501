"""The city exchange (docs/exchange.md): loading a centre's accounts, meters
and balances from another system (``import_city``) and the daily files out
(``export_readings``; payments' own export lives in payments, above billing).

Modules: :mod:`.spec` the files and their columns, :mod:`.parse` reading and
checking every line, :mod:`.stage` staging tables (COPY on PostgreSQL),
:mod:`.merge` the set-based upsert by natural key, :mod:`.loader` the run,
:mod:`.statements` statements from the ledger in SQL, :mod:`.export` files
out with a checksum line. Nothing here imports anything at package import:
``billing.models`` imports :mod:`.models`.
"""
