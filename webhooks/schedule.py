"""When deliveries are attempted: the retry schedule, and the rule that disables an endpoint
that keeps failing. Pure, so the timings read (and are tested) in one place."""

from __future__ import annotations

from datetime import datetime, timedelta

# After attempt n fails, attempt n + 1 is due RETRY_DELAYS[n - 1] later; after the last, the
# delivery has failed (8 attempts over about 28 hours).
RETRY_DELAYS = (
    timedelta(seconds=5),
    timedelta(minutes=5),
    timedelta(minutes=30),
    timedelta(hours=2),
    timedelta(hours=5),
    timedelta(hours=10),
    timedelta(hours=10),
)
MAX_ATTEMPTS = len(RETRY_DELAYS) + 1
DISABLE_AFTER = timedelta(days=5)
# How long a worker may take over one attempt before another may assume it died: the request
# timeout, a slow DNS lookup and the bookkeeping, with room to spare.
LEASE = timedelta(seconds=60)


def next_attempt_after(attempts: int, now: datetime) -> datetime | None:
    """When to try again after `attempts` failed attempts; None once they are used up."""
    if attempts < 1 or attempts >= MAX_ATTEMPTS:
        return None
    return now + RETRY_DELAYS[attempts - 1]


def should_disable(failing_since: datetime | None, now: datetime) -> bool:
    """Whether an endpoint failing since `failing_since` has failed long enough to disable."""
    return failing_since is not None and now - failing_since >= DISABLE_AFTER
