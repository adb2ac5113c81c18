"""One leader among several `eduwatch run`: a Redis lock with a TTL, renewed, and a fencing token.

Acquiring increments the fencing counter and sets the lock to the new token (NX, with the TTL);
the holder renews it every third of the TTL; a leader that cannot renew in time stops leading.
Every write the leader makes to Redis is a script that first checks the lock still holds its
token (``fenced``), so a paused ex-leader that wakes up after a takeover writes nothing; writes
to the store come after such a check.
"""

from __future__ import annotations

import time

import redis

from monitor.distributed.keys import Keys

_ACQUIRE = """
if redis.call('EXISTS', KEYS[1]) == 1 then return 0 end
local token = redis.call('INCR', KEYS[2])
redis.call('SET', KEYS[1], token, 'PX', ARGV[1])
return token
"""
_RENEW = """
if redis.call('GET', KEYS[1]) == ARGV[1] then
  redis.call('PEXPIRE', KEYS[1], ARGV[2]) return 1 end
return 0
"""
_RELEASE = """
if redis.call('GET', KEYS[1]) == ARGV[1] then redis.call('DEL', KEYS[1]) return 1 end
return 0
"""


class Leadership:
    """This process's claim on the leader lock (``token`` is None while it does not lead)."""

    def __init__(self, client: redis.Redis, keys: Keys, ttl: float) -> None:
        self.client = client
        self.keys = keys
        self.ttl_ms = max(1000, int(ttl * 1000))
        self.token: int | None = None
        self.valid_until = 0.0  # monotonic time the lock surely holds to, as last renewed
        self._acquire = client.register_script(_ACQUIRE)
        self._renew = client.register_script(_RENEW)
        self._release = client.register_script(_RELEASE)

    @property
    def leading(self) -> bool:
        return self.token is not None and time.monotonic() < self.valid_until

    def step(self) -> bool:
        """Renew the lock if held, else try to take it; whether this process leads now.
        Redis errors propagate (the caller backs off; the lock lapses by itself)."""
        started = time.monotonic()
        if self.token is not None:
            if self._renew(keys=[self.keys.leader], args=[self.token, self.ttl_ms]):
                self.valid_until = started + self.ttl_ms / 1000
                return True
            self.token = None
        token = int(self._acquire(keys=[self.keys.leader, self.keys.fence], args=[self.ttl_ms]))
        if token:
            self.token = token
            self.valid_until = started + self.ttl_ms / 1000
            return True
        return False

    def holds(self) -> bool:
        """Check with Redis that the lock still carries this process's token."""
        if self.token is None:
            return False
        value = self.client.get(self.keys.leader)
        return value is not None and int(value) == self.token

    def release(self) -> None:
        if self.token is not None:
            self._release(keys=[self.keys.leader], args=[self.token])
            self.token = None
