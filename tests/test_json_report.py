"""The JSON report written in pieces is the very text json.dumps gives."""

import json

from hypothesis import given
from hypothesis import strategies as st

from dedup.api import scan
from dedup.read import read_paths
from dedup.reports.json import chunks, render, render_chunks
from tests.conftest import SEEDS

leaves = st.none() | st.booleans() | st.integers() | st.floats() | st.text()
values = st.recursive(leaves, lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(), inner, max_size=3))


@given(st.dictionaries(st.text(), values, max_size=5), st.lists(values, max_size=4), st.lists(values, max_size=3))
def test_chunks_are_json_dumps(report, lazy, nested):
    expected = {**report, "lazy": lazy, "nested": [{"inner": nested, "n": 1}]}
    streamed = {**report, "lazy": iter(lazy), "nested": iter([{"inner": iter(nested), "n": 1}])}
    assert "".join(chunks(streamed)) == json.dumps(expected, ensure_ascii=False, indent=2) + "\n"
    assert "".join(chunks({})) == json.dumps({}) + "\n"


def test_a_scan_streams_the_same_report():
    result = scan(read_paths([SEEDS]).articles)
    assert "".join(render_chunks(result)) == render(result)
    assert json.loads(render(result)) == json.loads(json.dumps(result.to_dict()))
