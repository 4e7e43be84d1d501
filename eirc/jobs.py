"""Scheduling Celery tasks from services: by name, after commit.

Services never import their app's ``tasks`` module (a task module imports
its services, so the other direction would be a circle) and never the tasks
of a higher layer. They name the task instead::

    jobs.enqueue("documents.tasks.receipts_issue_task", period_id=period.pk)

The name is the task's Celery name, which for ``@shared_task`` is its dotted
path. The task is sent when the current transaction commits (at once when
none is open), with keyword arguments only: ids and plain values, never
model instances (DESIGN §2). In the embedded mode (no broker) Celery runs it
in process. A name that names no task is a programming error and raises at
send time, loudly, in tests too.
"""

from __future__ import annotations

import importlib

from django.db import transaction


def task_by_name(name: str):
    """The registered Celery task ``name``; imports its module on first use
    (a web process has not necessarily imported every ``tasks`` module)."""
    from eirc.celery import app

    task = app.tasks.get(name)
    if task is None:
        importlib.import_module(name.rpartition(".")[0])
        task = app.tasks[name]
    return task


def enqueue(name: str, /, **kwargs) -> None:
    """Send the task ``name`` with ``kwargs`` after the current transaction
    commits. The caller's transaction decides: a rollback sends nothing."""
    transaction.on_commit(lambda: task_by_name(name).delay(**kwargs))
