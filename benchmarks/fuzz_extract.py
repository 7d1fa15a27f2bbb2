"""Fuzz the extraction pipeline with a long budget (not run by the test suite).

Runs the property checks of ``tests/test_properties.py`` (extraction offsets, graph
round trips in every format, anchors, and every Nth graph against the SHACL shapes)
on report-like and arbitrary Unicode text for a given number of seconds, in rounds of
fresh random examples. A failing example is shrunk by hypothesis and printed; the
script exits 1. The last line gives examples per second.

Example::

    python benchmarks/fuzz_extract.py --seconds 600
    python benchmarks/fuzz_extract.py --seconds 60 --validate-every 5
"""
from __future__ import annotations

import argparse
import sys
import time
import warnings
from pathlib import Path

from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))
from test_properties import any_text, article_text, check_anchors, check_extraction, check_round_trips  # noqa: E402

from kg.ontology.validate import validate  # noqa: E402


def fuzz(seconds: float, round_size: int, validate_every: int) -> int:
    """Run rounds of ``round_size`` examples until ``seconds`` have passed; return examples run."""
    examples = 0

    @settings(max_examples=round_size, deadline=None, database=None, derandomize=False,
              phases=[Phase.generate, Phase.shrink], suppress_health_check=list(HealthCheck))
    @given(st.one_of(article_text, any_text))
    def one(text: str) -> None:
        nonlocal examples
        examples += 1
        facts, dataset = check_extraction(text)
        check_round_trips(dataset)
        check_anchors(dataset, facts.document.text)
        if validate_every and examples % validate_every == 0:
            report = validate(dataset)
            assert report.conforms, [(v.focus_node, v.path, v.message) for v in report.violations[:5]]

    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        one()
    return examples


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seconds", type=float, default=300, help="time budget (default 300)")
    parser.add_argument("--round", type=int, default=200, help="examples per hypothesis run (default 200)")
    parser.add_argument("--validate-every", type=int, default=10, help="SHACL-validate every Nth graph (0: never)")
    args = parser.parse_args()
    warnings.simplefilter("ignore")
    started = time.monotonic()
    examples = fuzz(args.seconds, args.round, args.validate_every)
    elapsed = time.monotonic() - started
    print(f"{examples} examples in {elapsed:.0f} s without a failure: {examples / elapsed:.1f} examples/s")


if __name__ == "__main__":
    main()
