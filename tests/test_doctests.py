"""Run the docstring examples of every module (they are part of the documentation)."""
from __future__ import annotations

import doctest
import importlib
import pkgutil

import pytest

import kg


def _modules():
    for info in pkgutil.walk_packages(kg.__path__, "kg."):
        yield info.name
    for package in ("kg.extract", "kg.ontology", "kg.viz"):
        module = importlib.import_module(package)
        for info in pkgutil.walk_packages(module.__path__, package + "."):
            yield info.name


MODULES = sorted(set(_modules()) - {"kg.cli"})


@pytest.mark.parametrize("name", MODULES)
def test_docstring_examples(name):
    module = importlib.import_module(name)
    result = doctest.testmod(module, optionflags=doctest.ELLIPSIS | doctest.NORMALIZE_WHITESPACE)
    assert result.failed == 0
