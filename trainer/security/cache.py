"""What the shared cache (Redis) may hold: plain JSON data, never pickles.

django-redis unpickles by default, so whoever can write to Redis could run code on every
app server. With this serializer an entry is JSON or nothing: one that does not decode
(a pickle, garbage, an entry from another program) reads as a miss, and the caller
rebuilds it from the database as after an eviction.
"""

import json
import logging

from django.core.serializers.json import DjangoJSONEncoder
from django_redis.serializers.base import BaseSerializer

logger = logging.getLogger(__name__)


class PlainDataSerializer(BaseSerializer):
    """JSON in, JSON out; an undecodable entry is ``None``, which callers treat as a miss."""

    def dumps(self, value) -> bytes:
        return json.dumps(value, cls=DjangoJSONEncoder, separators=(",", ":")).encode()

    def loads(self, value: bytes):
        try:
            return json.loads(value.decode())
        except (UnicodeDecodeError, ValueError):
            logger.warning("A shared cache entry is not JSON; it is ignored")
            return None
