"""The interactive viewer: one offline HTML page per graph (:mod:`kg.viz.html`),
linear-time layouts for large graphs (:mod:`kg.viz.layout`) and a headless-Chromium
screenshot (:mod:`kg.viz.browser`)."""
from kg.viz.browser import screenshot
from kg.viz.html import notebook_html, render_html, write_html

__all__ = ["render_html", "write_html", "notebook_html", "screenshot"]
