"""Citation markers for grounded answers: ``[n]`` after each cited span, one number per source.

Three annotations cite something (``interactions-api.md`` 4.3): ``url_citation`` (Google Search,
URL context, Deep Research), ``place_citation`` (Google Maps: a place with its Maps URL) and
``file_citation`` (file search and retrieval: a document, maybe a page). Each gives
``start_index``/``end_index`` as byte offsets into the UTF-8 text of the content block that
carries it, end exclusive. Offsets come from the server and are untrusted: one past the end of
its block is dropped (the source is still listed), one inside a multi-byte character moves to
the end of that character, and one inside a fenced code block moves to just after the fence, so
code stays copyable as is. The numbers match the sources list under the answer: sources are
numbered by first appearance, one number per distinct URL, place or document.
"""

from __future__ import annotations

from bisect import bisect_right
from dataclasses import dataclass
from functools import lru_cache
from typing import TYPE_CHECKING

from gemtui.api.models import FileCitation, PlaceCitation, TextContent, UrlCitation

if TYPE_CHECKING:
    from markdown_it import MarkdownIt

#: The annotations that cite a source.
Citation = UrlCitation | PlaceCitation | FileCitation


@dataclass(frozen=True)
class Source:
    """One cited source as the list under the answer shows it: ``url`` is what to open (a
    web page, a Maps link, a document URI; empty when a file has none), ``title`` its name,
    ``kind`` ``url``, ``place`` or ``file``, ``detail`` e.g. the page a file is cited at."""

    number: int
    url: str
    title: str | None
    kind: str = "url"
    detail: str = ""


def citations_of(texts: list[TextContent]) -> list[Citation]:
    """The citations of an answer's text blocks, in order."""
    return [a for c in texts for a in c.annotations or [] if isinstance(a, Citation)]


def source_key(citation: Citation) -> str | None:
    """What makes two citations the same source (``None``: it names nothing)."""
    if isinstance(citation, UrlCitation):
        return citation.url or None
    if isinstance(citation, PlaceCitation):
        return citation.url or citation.place_id or citation.name or None
    return citation.document_uri or citation.file_name or citation.source or None


def _source(number: int, citation: Citation) -> Source:
    if isinstance(citation, UrlCitation):
        return Source(number, citation.url or "", citation.title)
    if isinstance(citation, PlaceCitation):
        return Source(number, citation.url or citation.place_id or "", citation.name, "place")
    page = f"page {citation.page_number}" if citation.page_number is not None else ""
    title = citation.file_name or citation.source
    return Source(number, citation.document_uri or "", title, "file", page)


def sources_of(citations: list[Citation]) -> list[Source]:
    """Distinct cited sources, numbered from 1 in order of first appearance."""
    sources: dict[str, Source] = {}
    for citation in citations:
        key = source_key(citation)
        if key is not None and key not in sources:
            sources[key] = _source(len(sources) + 1, citation)
    return list(sources.values())


def marked_text(texts: list[TextContent], *, markdown: bool = True) -> str:
    """The blocks' text joined, with ``[n]`` markers at the end of every cited span.

    For Markdown that is rendered (``markdown=True``) markers are escaped (``\\[1\\]``) so they
    show as typed and never turn the text after them into a link; text printed as it is (the
    answer of ``gemtui ask``) gets them plain, as ``[1]``.
    """
    citations = citations_of(texts)
    keys = [source_key(citation) for citation in citations]
    numbers: dict[str, int] = {}
    for key in keys:
        if key is not None and key not in numbers:
            numbers[key] = len(numbers) + 1
    parts: list[str] = []
    for block in texts:
        data = block.text.encode("utf-8", "surrogatepass")
        at: dict[int, list[int]] = {}
        for citation in block.annotations or []:
            if not isinstance(citation, Citation):
                continue
            key = source_key(citation)
            if key is None:
                continue
            end = _char_boundary(data, citation.end_index)
            if end is not None:
                at.setdefault(end, []).append(numbers[key])
        parts.append(_insert(block.text, data, at, markdown) if at else block.text)
    return "".join(parts)


def _char_boundary(data: bytes, offset: int | None) -> int | None:
    """``offset`` moved forward to the next UTF-8 character boundary; None if out of range."""
    if not isinstance(offset, int) or offset < 0 or offset > len(data):
        return None
    # Continuation bytes are 0b10xxxxxx; a character starts on any other byte.
    while offset < len(data) and data[offset] & 0xC0 == 0x80:
        offset += 1
    return offset


def _insert(text: str, data: bytes, at: dict[int, list[int]], markdown: bool) -> str:
    """``text`` with the markers of ``at`` (byte offset -> source numbers) put in."""
    code = _code_ranges(text)
    marks: dict[int, list[int]] = {}
    for offset, numbers in at.items():
        index = len(data[:offset].decode("utf-8", "surrogatepass"))
        index = _outside_code(index, code, len(text))
        if index is not None:
            marks.setdefault(index, []).extend(numbers)
    ends = {end for _, end in code}
    out: list[str] = []
    last = 0
    for index in sorted(marks):
        out.append(text[last:index])
        if index in ends:
            # After a code block: a paragraph of its own, so the fence still closes.
            out.append("\n\n")
        marker = "\\[{}\\]" if markdown else "[{}]"
        out.append("".join(marker.format(n) for n in dict.fromkeys(marks[index])))
        last = index
    out.append(text[last:])
    return "".join(out)


@lru_cache(maxsize=1)
def _parser() -> MarkdownIt:
    from markdown_it import MarkdownIt  # on first use: see gemtui.ui.render.warm_up

    # Block structure is all that is needed; inline parsing is the costly part.
    return MarkdownIt("commonmark").disable(["inline", "text_join"], ignoreInvalid=True)


def _code_ranges(text: str) -> list[tuple[int, int]]:
    """(start, end) character ranges of the code blocks of ``text``: ``end`` is the end of
    the block's last line. A fence left open runs to the end, where nothing may follow it."""
    lines = text.split("\n")
    starts = [0]
    for line in lines:
        starts.append(starts[-1] + len(line) + 1)
    ranges = []
    for token in _parser().parse(text):
        if token.type not in ("fence", "code_block") or token.map is None:
            continue
        first, after = token.map
        end = starts[after] - 1
        if token.type == "fence":
            closing = lines[after - 1].strip() if after - 1 > first else ""
            if not closing.startswith(token.markup):
                end = len(text) + 1
        ranges.append((starts[first], end))
    return ranges


def _outside_code(index: int, code: list[tuple[int, int]], length: int) -> int | None:
    """``index``, or the end of the code block it falls in (None: the block never ends)."""
    slot = bisect_right([start for start, _ in code], index) - 1
    if slot >= 0:
        start, end = code[slot]
        if start <= index < end:
            return end if end <= length else None
    return index
