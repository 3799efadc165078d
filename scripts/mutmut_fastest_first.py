"""mutmut's command line, with each mutant's tests run fastest first (scripts/mutation.py).

mutmut hands pytest a mutant's tests as a set, so their order is arbitrary, and pytest
stops at the first failure (`-x`). The access rule's innermost functions are reached by
some 125 tests, a third of them parametrised sweeps of several seconds each: in an
arbitrary order a killed mutant often runs minutes of sweeps before the quick test that
fails. Fastest first (by the durations mutmut measured in its stats run), a killed mutant
costs about its quickest failing test. Which tests run, and so every verdict, is
unchanged: a survivor still runs them all.

It replaces a private method of mutmut 3 (`PytestRunner._pytest_args_regular_run`): if a
later mutmut renames it, this script fails at start-up with an AttributeError rather than
running unsorted.
"""

import sys

from mutmut.runners import harness
from mutmut.state import state

_regular_run = harness.PytestRunner._pytest_args_regular_run


def _fastest_first(self, tests):
    durations = state().duration_by_test
    return _regular_run(self, sorted(tests, key=lambda test: (durations.get(test, 0.0), test)))


harness.PytestRunner._pytest_args_regular_run = _fastest_first

if __name__ == "__main__":
    from mutmut.__main__ import cli

    sys.exit(cli())
