"""JUnit XML: one ``<testsuite name="dedup check">``, one ``<testcase>`` per new article, a
``<failure>`` naming the matched article and the relation when the article fails the check."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET

from dedup.check import CheckResult
from dedup.reports import ci

SUITE = "dedup check"
# Characters XML 1.0 cannot hold, even escaped: they become U+FFFD.
_NOT_XML = re.compile("[^\t\n\r\x20-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")


def _x(text: str) -> str:
    return _NOT_XML.sub("\ufffd", text)


def render(result: CheckResult) -> str:
    failures = len(result.failures)
    tests = len(result.findings) + len(result.skipped)
    counts = {"tests": str(tests), "failures": str(failures), "errors": "0", "skipped": str(len(result.skipped))}
    root = ET.Element("testsuites", {"name": "dedup", **counts})
    suite = ET.SubElement(root, "testsuite", {"name": SUITE, **counts})
    props = ET.SubElement(suite, "properties")
    for name, value in (("fail_on", result.fail_on.label), ("index", result.index_path), ("indexed", result.indexed)):
        ET.SubElement(props, "property", {"name": name, "value": _x(str(value))})
    by_article = {}
    for item in ci.items(result):
        by_article.setdefault(id(item.finding), []).append(item)
    for article, finding in ci.pairs(result):
        path, _ = ci.location(article)
        case = ET.SubElement(suite, "testcase", {"name": _x(finding.id), "classname": "dedup.check", "file": _x(path)})
        found = by_article.get(id(finding), [])
        if finding.fails(result.fail_on):
            strongest = found[0]
            failure = ET.SubElement(
                case, "failure", {"message": _x(strongest.message()), "type": strongest.relation.label}
            )
            failure.text = _x("\n".join(i.message() for i in found if i.level is ci.Level.ERROR))
        if found:
            out = ET.SubElement(case, "system-out")
            out.text = _x("\n".join(f"{i.level.label}: {i.message()}" for i in found))
    for problem in result.skipped:
        case = ET.SubElement(suite, "testcase", {"name": _x(problem.where), "classname": "dedup.check"})
        ET.SubElement(case, "skipped", {"message": _x(f"not read: {problem.message}")})
    ET.indent(root)
    return ET.tostring(root, encoding="unicode", xml_declaration=True) + "\n"
