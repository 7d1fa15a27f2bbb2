"""Knowledge graphs of organisations, people, posts and honours from Chinese organisational news.

>>> import kg
>>> graph = kg.build_texts({"d": "集团党委授予检修厂厂长亓德昌“劳动模范”称号。"})
>>> sorted(o.name for o in graph.organisations())
['检修厂', '集团党委']
"""
from kg.api import (  # noqa: F401
    AwardRecord,
    BuildReport,
    Honour,
    KnowledgeGraph,
    Organisation,
    Person,
    build,
    build_documents,
    build_texts,
    load,
)

from kg.analysis import (  # noqa: F401
    AmbiguousName,
    NameNotFound,
    describe,
    find,
    honours_of,
    parent_chain,
    path,
    rank_units,
    recipients,
    statistics,
    unit_tree,
)

__version__ = "0.1.0"
