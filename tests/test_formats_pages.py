"""The formats people read: Markdown by markdown-it's GFM tables, HTML by an HTML parser; both
escape hostile names (tests/format_runs.py).
"""

from __future__ import annotations

import json
import re
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

from format_runs import HOSTILE, hostile_run, produce, render
from format_runs import zoo as zoo  # the fixture
from markdown_it import MarkdownIt

from tpulint.text import printable

# Markdown ------------------------------------------------------------------------------------

def tables(text: str) -> list[list[list[str]]]:
    """Every table as rows of cell texts, as markdown-it's GFM table parser reads them."""
    tokens = MarkdownIt("commonmark").enable("table").parse(text)
    found: list[list[list[str]]] = []
    row: list[str] = []
    for number, token in enumerate(tokens):
        if token.type == "table_open":
            found.append([])
        elif token.type == "tr_open":
            row = []
        elif token.type in ("th_open", "td_open"):
            row.append(tokens[number + 1].content)
        elif token.type == "tr_close":
            found[-1].append(row)
    return found


def test_markdown_has_an_operator_type_table_per_model(zoo: Path, cli: Any) -> None:
    text = produce(cli, "markdown")
    parsed = tables(text)
    readable = [m for m in json.loads(cli("check", "models", "--format", "json").out)["models"]]
    by_type = [t for t in parsed if t[0] == ["operator", "count", "Edge TPU", "CPU", "status"]]
    assert len(by_type) == len(readable)
    assert [sum(int(row[1]) for row in t[1:]) for t in by_type] == \
        [m["summary"]["operators"] for m in readable]
    assert [sum(int(row[2]) for row in t[1:]) for t in by_type] == \
        [m["summary"]["tpu"] for m in readable]
    overview = parsed[0]
    assert len(overview) == len(readable) + 2  # header, every model, the broken one
    for table in parsed:
        assert len({len(row) for row in table}) == 1


def test_markdown_escapes_hostile_names() -> None:
    text = render("markdown", hostile_run())
    assert "<script" not in text and "</script" not in text
    for table in tables(text):
        assert len({len(row) for row in table}) == 1  # a `|` in a name splits no cell
    html = MarkdownIt("commonmark").enable("table").render(text)
    assert "<script" not in html and "<em>x</em>" not in html


# HTML ----------------------------------------------------------------------------------------

class Page(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.tags: list[tuple[str, dict[str, str | None]]] = []
        self.text: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append((tag, dict(attrs)))

    def handle_data(self, data: str) -> None:
        self.text.append(data)


def read_page(text: str) -> Page:
    page = Page()
    page.feed(text)
    page.close()
    return page


def test_html_is_self_contained_and_draws_every_operator(zoo: Path, cli: Any) -> None:
    text = produce(cli, "html")
    page = read_page(text)
    assert not [t for t, _ in page.tags if t in ("script", "link", "img", "iframe")]
    assert not re.search(r"src\s*=|href\s*=\s*\"(?!#)|url\(|@import", text)  # in-page links only
    models = json.loads(cli("check", "models", "--format", "json").out)["models"]
    cells = [a for t, a in page.tags if t == "div" and (a.get("class") or "").startswith("op ")]
    assert len(cells) == sum(m["summary"]["operators"] for m in models)
    placements = [row["placement"] for m in models for row in m["operators"]
                  if row["subgraph"] == 0]
    drawn = [(a["class"] or "").split()[1] for a in cells]
    assert [p == "tpu" for p in placements] == [d == "tpu" for d in drawn]
    sections = [a for t, a in page.tags if t == "section"]
    # the overview, the broken model and the configuration
    assert len(sections) == len(models) + 3
    links = [a["href"] or "" for t, a in page.tags if t == "a"]
    ids = {a.get("id") for t, a in page.tags if t == "section"}
    assert len(links) == len(models) + 1 and {link[1:] for link in links} <= ids | {None}


def test_html_escapes_hostile_names() -> None:
    text = render("html", hostile_run())
    page = read_page(text)
    assert not [t for t, _ in page.tags if t == "script"]
    assert any(printable(HOSTILE) in chunk for chunk in page.text)
    kinds = [(a["class"] or "").split()[1] for t, a in page.tags
             if t == "div" and (a.get("class") or "").startswith("op ")]
    assert kinds == ["tpu", "cpu", "stranded"]
