"""Property tests draw the same examples in the whole suite as alone (default profile).

Hypothesis also draws, now and then, string and number constants it finds in the modules of this
checkout that happen to be loaded (`hypothesis.internal.conjecture.providers`). Which modules those
are depends on the tests that ran before, and the constants change with every edit of the code, so
a derandomized run did not draw in the suite what it drew alone: CI found three failures that a run
of tests/property/test_generated_code.py alone never drew. The default profile, the one CI runs,
draws without them (reproducible); the `long` profile keeps them, to explore.
"""

from __future__ import annotations

import os

from hypothesis.internal.conjecture import providers
from hypothesis.internal.constants_ast import Constants

if os.environ.get("SCHEMAGEN_HYPOTHESIS_PROFILE", "default") == "default":
    _NONE = Constants()
    providers._get_local_constants = lambda: _NONE  # no public switch (Hypothesis 6.170)
