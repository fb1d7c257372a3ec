"""Citation markers: byte offsets into UTF-8 text, one number per URL, code left alone."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from gemtui.api.models import TextContent, UrlCitation
from gemtui.core.citations import Source, marked_text, sources_of


def cite(url: str | None, end: int | None, title: str | None = None) -> UrlCitation:
    return UrlCitation(url=url, title=title, start_index=0, end_index=end)


def at_end_of(text: str, part: str) -> int:
    """The byte offset just after ``part`` in ``text``."""
    data = text.encode()
    return data.index(part.encode()) + len(part.encode())


def test_sources_are_numbered_by_first_appearance_one_per_url():
    citations = [cite("b", 1, "B"), cite("a", 2), cite("b", 3, "B again"), cite(None, 4)]
    assert sources_of(citations) == [Source(1, "b", "B"), Source(2, "a", None)]


def test_markers_go_at_the_end_of_each_cited_span_counted_in_utf8_bytes():
    text = "Über café: first. Zweite Quelle — second. Done."
    citations = [
        cite("https://one", at_end_of(text, "first.")),
        cite("https://two", at_end_of(text, "second.")),
        cite("https://one", at_end_of(text, "Done.")),
    ]
    marked = marked_text([TextContent(text=text, annotations=citations)])
    assert marked == r"Über café: first.\[1\] Zweite Quelle — second.\[2\] Done.\[1\]"


def test_several_sources_on_one_span_and_duplicates():
    text = "Claim."
    citations = [cite("a", 6), cite("b", 6), cite("a", 6)]
    assert marked_text([TextContent(text=text, annotations=citations)]) == r"Claim.\[1\]\[2\]"


def test_plain_markers_for_text_printed_as_is():
    text = "Claim. More.\n\n```\ncode\n```\n"
    citations = [cite("a", at_end_of(text, "Claim.")), cite("b", at_end_of(text, "code"))]
    marked = marked_text([TextContent(text=text, annotations=citations)], markdown=False)
    assert marked == "Claim.[1] More.\n\n```\ncode\n```\n\n[2]\n"


def test_offsets_are_per_text_block():
    first = TextContent(text="Alpha. ", annotations=[cite("a", 6)])
    second = TextContent(text="Beta.", annotations=[cite("b", 5)])
    assert marked_text([first, second]) == r"Alpha.\[1\] Beta.\[2\]"


def test_bad_offsets_do_not_crash():
    text = "né"  # "é" is two bytes: offsets 1..3
    citations = [
        cite("a", 2),  # inside "é": moves to its end
        cite("b", 99),  # past the end: no marker
        cite("c", -1),  # negative: no marker
        cite("d", None),  # missing: no marker
        cite(None, 1),  # no URL: not numbered, no marker
    ]
    marked = marked_text([TextContent(text=text, annotations=citations)])
    assert marked == r"né\[1\]"


def test_a_marker_inside_a_code_fence_moves_after_it():
    text = "Look:\n\n```python\nx = 1\ny = 2\n```\nAfter."
    citations = [cite("a", at_end_of(text, "x = 1")), cite("b", at_end_of(text, "After."))]
    marked = marked_text([TextContent(text=text, annotations=citations)])
    assert marked == "Look:\n\n```python\nx = 1\ny = 2\n```\n\n\\[1\\]\nAfter.\\[2\\]"


def test_a_marker_inside_a_fence_that_never_closes_is_dropped():
    text = "Look:\n\n```\nx = 1\n"
    marked = marked_text([TextContent(text=text, annotations=[cite("a", at_end_of(text, "x"))])])
    assert marked == text


def test_no_citations_no_change():
    assert marked_text([TextContent(text="plain [1](x)")]) == "plain [1](x)"


#: Text without code blocks (no fences, no indentation) and no backslashes of its own.
NO_CODE = st.text(st.characters(blacklist_characters="`~ \t\\"), max_size=60)


@given(NO_CODE, st.lists(st.integers(min_value=-5, max_value=200), max_size=6))
def test_any_offsets_only_add_markers_at_character_boundaries(text, ends):
    citations = [cite(f"https://s/{n % 3}", end) for n, end in enumerate(ends)]
    marked = marked_text([TextContent(text=text, annotations=citations)])
    stripped = marked
    for number in (1, 2, 3):
        stripped = stripped.replace(f"\\[{number}\\]", "")
    assert stripped == text
    in_range = [end for end in ends if 0 <= end <= len(text.encode("utf-8", "surrogatepass"))]
    assert (marked != text) == bool(in_range)


def test_places_and_files_are_numbered_sources_like_urls():
    from gemtui.api.models import FileCitation, PlaceCitation

    text = "Café A is good. Page 3 says so. Page 7 too. Also a site."
    cafe = PlaceCitation(
        name="Café A", place_id="places/1", url="https://maps.google.com/?cid=1",
        start_index=0, end_index=at_end_of(text, "good."),
    )  # fmt: skip
    page3 = FileCitation(
        file_name="notes.pdf", document_uri="stores/x/documents/notes", page_number=3,
        start_index=0, end_index=at_end_of(text, "so."),
    )  # fmt: skip
    page7 = page3.model_copy(update={"page_number": 7, "end_index": at_end_of(text, "too.")})
    site = cite("https://example.org", at_end_of(text, "site."), "Example")
    blocks = [TextContent(text=text, annotations=[cafe, page3, page7, site])]
    assert marked_text(blocks, markdown=False) == (
        "Café A is good.[1] Page 3 says so.[2] Page 7 too.[2] Also a site.[3]"
    )
    assert sources_of([cafe, page3, page7, site]) == [
        Source(1, "https://maps.google.com/?cid=1", "Café A", "place"),
        Source(2, "stores/x/documents/notes", "notes.pdf", "file", "page 3"),
        Source(3, "https://example.org", "Example"),
    ]
