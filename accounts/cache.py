"""Django's database cache with an atomic ``incr``, for django-ratelimit's counters.

``DatabaseCache.incr`` reads the value and writes it back in two steps, so two
requests at once can both read 3 and both write 4. Here the read and the write
happen in one transaction holding the row: ``SELECT ... FOR UPDATE`` where the
database has it (PostgreSQL); on SQLite the settings open every transaction
with ``BEGIN IMMEDIATE``, which takes the write lock at once.
"""

from __future__ import annotations

from django.core.cache.backends.db import DatabaseCache
from django.db import connections, router, transaction

__all__ = ["AtomicDatabaseCache"]


class AtomicDatabaseCache(DatabaseCache):
    def incr(self, key, delta=1, version=None):
        db = router.db_for_write(self.cache_model_class)
        connection = connections[db]
        with transaction.atomic(using=db):
            if connection.features.has_select_for_update:
                table = connection.ops.quote_name(self._table)
                with connection.cursor() as cursor:
                    cursor.execute(
                        f"SELECT cache_key FROM {table} WHERE cache_key = %s FOR UPDATE",
                        [self.make_and_validate_key(key, version=version)],
                    )
            return super().incr(key, delta, version)
