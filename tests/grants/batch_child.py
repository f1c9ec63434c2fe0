"""A payment batch run in a child process, slowed down so the test can kill it half-way.

Usage: python -m tests.grants.batch_child DATABASE_URL BATCH_KEY DATA_DIR
Prints one line per case done (after its unit of work committed), then sleeps a little.
"""

from __future__ import annotations

import sys
import time
from datetime import date

from yuanqu.core.auth import Principal, Role
from yuanqu.core.config import configure
from yuanqu.core.db import make_engine
from yuanqu.grants.flows import run_batch
from yuanqu.wiring import wire


def main() -> None:
    url, key, data_dir = sys.argv[1:4]
    configure(database_url=url, data_dir=data_dir)
    wire()
    officer = Principal(user_id=0, username="officer-child", role=Role.policy_officer)

    def progress(done: int, total: int) -> None:
        print(f"{done}/{total}", flush=True)
        time.sleep(0.3)

    run_batch(make_engine(url), key=key, actor=officer, today=date(2024, 6, 3), progress=progress)
    print("finished", flush=True)


if __name__ == "__main__":
    main()
