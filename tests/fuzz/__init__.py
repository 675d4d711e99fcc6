"""Fuzzing through the real CLI on a real database: random and hostile input must end in a
contract exit code with one clear line on stderr, never a traceback and never a partial write.

Example counts are kept small so the whole package runs in well under a minute;
MEMBERCTL_FUZZ_EXAMPLES=N runs N examples per test instead (e.g. 2000 for a long session).
"""

from __future__ import annotations

import os

from hypothesis import HealthCheck, settings

_SCALE = int(os.environ.get("MEMBERCTL_FUZZ_EXAMPLES", "0") or 0)


def fuzz_settings(examples: int) -> settings:
    """Hypothesis settings for one fuzz test: `examples` by default, the env var's count if set.

    One database serves every example of a test (the `run` fixture is per test), so the
    function-scoped-fixture health check is off; the CLI is slow next to hypothesis's
    expectations, so deadlines and the too-slow check are off too."""
    return settings(
        max_examples=_SCALE or examples,
        deadline=None,
        suppress_health_check=[
            HealthCheck.function_scoped_fixture,
            HealthCheck.too_slow,
            HealthCheck.data_too_large,
        ],
    )
