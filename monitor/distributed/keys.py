"""Every Redis key of distributed mode, named here and nowhere else.

All keys start with the configured prefix (``redis.prefix``), so several deployments or test
runs share one Redis without meeting. Work is queued per render mode (``http``, ``browser``): a
worker takes only the queues of its mode (monitor.distributed.browser).
"""

from __future__ import annotations

from dataclasses import dataclass

RENDER_MODES = ("http", "browser")


def as_text(value: object) -> str:
    """A key or value as Redis answers it (bytes) as str."""
    return value.decode("utf-8") if isinstance(value, bytes) else str(value)


@dataclass(frozen=True, slots=True)
class Keys:
    prefix: str

    def jobs(self, mode: str = "http") -> str:
        """List of column jobs (JSON) the leader pushes; the workers' RedisSpider start key."""
        return f"{self.prefix}:jobs:{mode}"

    def requests(self, mode: str = "http") -> str:
        """scrapy-redis's request queue (a sorted set by priority)."""
        return f"{self.prefix}:requests:{mode}"

    def seen(self, run_id: int | str) -> str:
        """scrapy-redis's dupefilter set, one per run (a run re-crawls what the last one saw)."""
        return f"{self.prefix}:seen:{run_id}"

    @property
    def seen_default(self) -> str:
        return f"{self.prefix}:seen:none"

    def taken(self, worker: str, mode: str = "http") -> str:
        """Requests a worker has popped from its mode's queue and not finished (sorted set,
        score = queue score)."""
        return f"{self.prefix}:taken:{mode}:{worker}"

    def taken_pattern(self, mode: str = "*") -> str:
        return f"{self.prefix}:taken:{mode}:*"

    @property
    def every_taken(self) -> str:
        """Pattern of every taken set, those named before modes (``taken:<worker>``) too."""
        return f"{self.prefix}:taken:*"

    def taken_owner(self, key: str) -> tuple[str, str]:
        """The mode and worker of a taken set's key; one named before modes holds http work."""
        rest = key.removeprefix(f"{self.prefix}:taken:")
        mode, _, worker = rest.partition(":")
        return (mode, worker) if mode in RENDER_MODES else ("http", rest)

    def worker(self, worker: str) -> str:
        """A worker's heartbeat hash (alive while it exists; expires after ``worker_ttl``)."""
        return f"{self.prefix}:worker:{worker}"

    @property
    def workers(self) -> str:
        """Set of the worker ids ever seen alive (status prunes the dead)."""
        return f"{self.prefix}:workers"

    def run(self, run_id: int | str) -> str:
        """A run's counters: pending requests, pages, articles, changes, failures, columns."""
        return f"{self.prefix}:run:{run_id}"

    @property
    def runs(self) -> str:
        """Sorted set of open runs by deadline (epoch seconds)."""
        return f"{self.prefix}:runs"

    @property
    def site_runs(self) -> str:
        """Hash site id -> its open run id (a site is crawled by one run at a time)."""
        return f"{self.prefix}:site-runs"

    def list_cache(self, site: str) -> str:
        """Hash list-page URL -> what it listed and its validators (conditional requests)."""
        return f"{self.prefix}:list-cache:{site}"

    def suspects(self, site: str) -> str:
        """Hash article URL -> [column, ok runs]: the site's withdrawal suspects, probed again
        on its next runs (crawler.spiders.listcache.Suspect)."""
        return f"{self.prefix}:suspects:{site}"

    @property
    def leader(self) -> str:
        """The leader lock: value is the holder's fencing token."""
        return f"{self.prefix}:leader"

    @property
    def fence(self) -> str:
        """The fencing token counter (INCR on every acquisition)."""
        return f"{self.prefix}:fence"

    def all_patterns(self) -> list[str]:
        return [f"{self.prefix}:*"]
