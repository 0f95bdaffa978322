"""Run a command with the process's clock moved forward: `python clock.py SECONDS manage.py …`.

The reliability tests start real workers this way to let hours of retry delays pass without
sleeping: the worker's clock (which the task queue, the scheduler and the leases all read) is
SECONDS ahead, and keeps ticking.
"""

import runpy
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path

import time_machine

if __name__ == "__main__":
    offset = float(sys.argv[1])
    sys.argv = sys.argv[2:]
    sys.path.insert(0, str(Path(sys.argv[0]).resolve().parent))
    with time_machine.travel(datetime.now(UTC) + timedelta(seconds=offset), tick=True):
        runpy.run_path(sys.argv[0], run_name="__main__")
