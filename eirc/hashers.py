"""Argon2id tuned to the OWASP minimum (m = 19 MiB, t = 2, p = 1).

Django's defaults cost about 100 ms and 100 MiB per hash on this kind of
machine (DESIGN §9); a login storm would exhaust memory before the throttle
bites. Raising the parameters later is safe: Django re-hashes on login.
"""

from django.contrib.auth.hashers import Argon2PasswordHasher


class TunedArgon2PasswordHasher(Argon2PasswordHasher):
    algorithm = "argon2"
    time_cost = 2
    memory_cost = 19 * 1024  # KiB
    parallelism = 1
