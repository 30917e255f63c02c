"""A number or a comparison stated in a page's prose must be accounted for (journey.site.prose_numbers).

Each test writes a small page (and the fragment it includes) into a temp folder and runs the check on it.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import pytest
import yaml

from journey.site import prose_numbers
from journey.site.includes import page_includes
from journey.site.prose_numbers import Report, check_pages, value_of
from trees import REPO, write_tree

if TYPE_CHECKING:
    from pathlib import Path

TIMES = "\N{MULTIPLICATION SIGN}"
SIZES = """\
| image | uncompressed | compressed |
| --- | ---: | ---: |
| final | 16 MB | 5.92 MB |

Start-up: 217 ms (median; 192 ms to 301 ms, 5 runs); 19 modules.
emulated took **7.8 times** as long as cross-arm64.
"""
INCLUDE = '--8<-- "results/vol1/app/sizes.md"\n\n'


def run(tmp_path: Path, page: str, files: dict[str, str] | None = None) -> Report:
    """Write docs/page.md (and other files), then check its prose as `journey check` does."""
    write_tree(tmp_path, {"results/vol1/app/sizes.md": SIZES, **(files or {}), "docs/page.md": page})
    pages = sorted((tmp_path / "docs").rglob("*.md"))
    return check_pages(tmp_path, pages, [i for p in pages for i in page_includes(tmp_path, p)])


def flagged(report: Report) -> list[tuple[int, str]]:
    """(line, what) of each gap, what being the figure or phrase the message quotes."""
    return [(gap.line, gap.message.split("'")[1]) for gap in report.gaps]


# --- a planted number fails; an included, cited or reviewed one passes -----------------------------------


def test_a_planted_unsourced_number_fails_naming_page_line_figure_and_the_fix(tmp_path):
    report = run(tmp_path, "# Sizes\n\nThe final image\nweighs 42 MB on disk.\n")
    assert flagged(report) == [(4, "42 MB")]
    gap = report.gaps[0]
    assert gap.path == "docs/page.md"
    assert "no included fragment, quotation or cited source accounts for it" in gap.message
    assert "include the fragment that records it" in gap.hint
    assert "<!-- number 42 MB: why -->" in gap.hint


def test_a_number_the_page_includes_in_a_fragment_passes(tmp_path):
    page = (
        INCLUDE
        + "The final image is 16 MB, 5.92 MB compressed, and answers in 217 ms; it links 19 modules.\n"
    )
    assert flagged(run(tmp_path, page)) == []


def test_the_same_number_without_the_fragment_fails(tmp_path):
    assert flagged(run(tmp_path, "The final image is 16 MB and answers in 217 ms.\n")) == [
        (1, "16 MB"),
        (1, "217 ms"),
    ]


@pytest.mark.parametrize(
    ("figure", "accounted"),
    [
        ("5.92 MB", True),
        ("5,92 MB", True),  # a decimal comma
        ("5.920 MB", True),
        ("5920 kB", True),  # one family of units: sizes compare in bytes
        ("16,000 kB", True),  # a comma before three digits groups thousands
        ("0.217 s", True),  # times compare in seconds
        ("217 ms", True),
        ("5.9 MB", False),  # a rounded figure is another figure: include the fragment's own
        ("16 MiB", False),  # MiB is not MB
        ("217 s", False),
        ("7.8", True),  # the fragment writes it without a unit
    ],
)
def test_figures_compare_by_value_and_unit_family(tmp_path, figure, accounted):
    report = run(tmp_path, f"{INCLUDE}It is {figure} here.\n")
    assert (flagged(report) == []) is accounted, flagged(report)


def test_a_figure_the_fragment_writes_bare_accounts_for_it_with_a_unit(tmp_path):
    files = {"results/vol1/app/probe.txt": "GET /alloc?total=512&live=40\n"}
    page = '--8<-- "results/vol1/app/probe.txt"\n\nIt allocates 512 MiB, 40 MiB of it live.\n'
    assert flagged(run(tmp_path, page, files)) == []


def test_values_are_normalised_so_one_figure_has_one_spelling():
    assert value_of("5,92") == value_of("5.92") == value_of("5.920") == "5.92"
    assert value_of("16,000") == "16000"
    assert value_of("100.0") == "100"
    assert value_of("2021-06-15") == "2021-06-15"


def test_only_the_section_or_lines_the_page_shows_count(tmp_path):
    files = {
        "snippets/vol1/app/main.go": (
            "package main\n\nconst grace = 30\n\n"
            "// --8<-- [start:serve]\nconst deadline = 5\n// --8<-- [end:serve]\n"
        )
    }
    shown = '```go\n--8<-- "snippets/vol1/app/main.go:serve"\n```\n\n'
    assert flagged(run(tmp_path, shown + "It waits 5 s, then 30 s.\n", files)) == [(5, "30 s")]
    lines = '```go\n--8<-- "snippets/vol1/app/main.go:3:3"\n```\n\n'
    assert flagged(run(tmp_path, lines + "It waits 5 s, then 30 s.\n", files)) == [(5, "5 s")]


def test_a_fragment_of_another_page_accounts_for_nothing_here(tmp_path):
    files = {"docs/other.md": INCLUDE}
    assert flagged(run(tmp_path, "The final image is 16 MB.\n", files)) == [(1, "16 MB")]


@pytest.mark.parametrize(
    "page",
    [
        "Docker stops it after 10 s ([reference](https://docs.docker.com/reference/cli/docker/container/stop/)).\n",
        "Docker stops it after 10 s. See\n[its reference](https://docs.docker.com/engine/).\n",
        "Docker stops it after 10 s, says <https://docs.docker.com/engine/>.\n",
        "Docker stops it after 10 s ([ref][stop]).\n\n[stop]: https://docs.docker.com/engine/\n",
    ],
)
def test_a_number_cited_in_its_sentence_or_the_next_passes(tmp_path, page):
    assert flagged(run(tmp_path, page)) == []


@pytest.mark.parametrize(
    "page",
    [
        # the source is two sentences away
        "Docker stops it after 10 s. It then kills it. [Reference](https://docs.docker.com/engine/).\n",
        # the source comes first: it cites what precedes it
        "See [the reference](https://docs.docker.com/engine/). Docker stops it after 10 s.\n",
        # a link inside the site is no source
        "Docker stops it after 10 s ([Vol. 2](vol2/index.md)).\n",
        # loopback is a preview, not a source
        "Docker stops it after 10 s (<http://127.0.0.1:8000>).\n",
        # the next paragraph is another block
        "Docker stops it after 10 s.\n\n[Reference](https://docs.docker.com/engine/).\n",
    ],
)
def test_a_source_elsewhere_accounts_for_nothing(tmp_path, page):
    assert flagged(run(tmp_path, page)) == [(1, "10 s")]


# --- comparatives --------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "phrase",
    [
        "less than half the size",
        "a little over half compressed",
        "about a third",
        "a third of the size",
        f"2{TIMES} smaller",
        "3 times faster",
        "twice as large",
        "ten times the size",
        "some tens of milliseconds",
        "hundreds of megabytes",
        "an order of magnitude",
    ],
)
def test_a_comparative_phrase_is_flagged(tmp_path, phrase):
    report = run(tmp_path, f"{INCLUDE}The packed image is {phrase} here.\n")
    assert len(report.gaps) == 1, flagged(report)
    assert report.gaps[0].message.startswith("states the comparison ")
    assert phrase.startswith(flagged(report)[0][1]) or flagged(report)[0][1] in phrase


@pytest.mark.parametrize(
    "text",
    [
        "It stops half a second later.",  # a duration, not a proportion
        "The image is pushed twice: as latest and as the commit.",  # a count
        "It does that five times.",
        "The image is smaller, and clearly faster.",  # no figure: review judges these
    ],
)
def test_words_that_are_not_a_proportion_pass(tmp_path, text):
    assert flagged(run(tmp_path, text + "\n")) == []


def test_a_comparative_a_fragment_states_passes(tmp_path):
    page = INCLUDE + f"The emulated build took 7.8{TIMES} as long. It took 7.8 times as long.\n"
    assert flagged(run(tmp_path, page)) == []
    assert flagged(run(tmp_path, INCLUDE + f"The emulated build took 8{TIMES} as long.\n")) == [
        (3, f"8{TIMES} as")
    ]


def test_a_comparative_cited_in_its_sentence_passes(tmp_path):
    page = "The heap grows to twice what is live ([GOGC](https://go.dev/doc/gc-guide)).\n"
    assert flagged(run(tmp_path, page)) == []


# --- what is not prose, and the rules that make a number a name ----------------------------------------


def test_code_includes_comments_link_targets_and_attributes_are_not_prose(tmp_path):
    page = """\
# Title { #step-42 }

```text title="docker images (recorded)"
image  42 MB
```

--8<-- "results/vol1/app/sizes.md"

--8<--
results/vol1/app/sizes.md
--8<--

Run `docker run --memory=64m image` and read [the notes](notes/v42/page.md).
The inline code may run `over a
line break: 42 MB` too. <!-- 42 MB, typed in a comment --> ![chart](chart-42.svg)
<div class="grid" data-size="42"></div> A non&#8209;breaking hyphen.
"""
    assert flagged(run(tmp_path, page)) == []


@pytest.mark.parametrize(
    "text",
    [
        "Since Go 1.26 the default follows the limit.",
        "Docker Engine 29 shows a tree.",
        "BuildKit 0.13's exporter, dockerd 26.1.5, the AWS CLI versions 1.29 and 2.13.",
        "On 127.0.0.1 and in go1.26.11.",
        "See golang/go#76390 and rule DL3025.",
        "On arm64 and amd64, in vol1, with cgroup v1 and IPv6.",
        "The tab `--cpus=1` and user 65534:65534 in golang-1.26-trixie.",
        "Read proc(5) and pid_namespaces(7).",
        "Step 3 is the file; section 4 says why; Vol. 2 measures it; RFC 9110 defines it.",
        "The 2019 article, as the 2019 file had it.",
    ],
)
def test_names_versions_references_and_the_article_year_are_not_figures(tmp_path, text):
    assert flagged(run(tmp_path, text + "\n")) == []


def test_headings_section_numbers_and_list_markers_are_not_figures(tmp_path):
    page = "## 1. One Dockerfile\n\n1. build it;\n2. run it.\n\n## Step 2: the file\n"
    assert flagged(run(tmp_path, page)) == []


def test_other_years_and_dates_are_figures(tmp_path):
    page = "Go 1.12 left support in 2020. travis-ci.org shut down on 2021-06-15.\n"
    assert flagged(run(tmp_path, page)) == [(1, "2020"), (1, "2021-06-15")]


def test_a_date_a_fragment_records_passes(tmp_path):
    files = {"results/vol1/app/provenance.md": "| verified | 2026-12-07 |\n"}
    page = '--8<-- "results/vol1/app/provenance.md"\n\nVerified on 2026-12-07, in 2026.\n'
    assert flagged(run(tmp_path, page, files)) == []


CODES = """\
| exit code | meaning |
| --- | --- |
| 0 | all good |
| 4 | stale results, in 2 ways |
| 130 | interrupted |

| port | serves | size |
| --- | --- | ---: |
| 443 | the registry | 42 MB |
"""


def test_a_cell_of_a_column_of_codes_names_its_row_but_the_other_cells_are_prose(tmp_path):
    assert flagged(run(tmp_path, CODES)) == [(4, "2"), (9, "42 MB")]


@pytest.mark.parametrize(
    "page",
    [
        "| exit code | meaning |\n| --- | --- |\n| 4 s | stale |\n",  # the cell is more than the code
        "| exit | meaning |\n| --- | --- |\n| 4 | stale |\n",  # the header names no code
        "| code size | meaning |\n| --- | --- |\n| 4 | stale |\n",
        "The exit code is 4 | stale.\n",  # no table row
    ],
)
def test_a_number_outside_a_column_of_codes_is_a_figure(tmp_path, page):
    assert len(flagged(run(tmp_path, page))) == 1, flagged(run(tmp_path, page))


def test_every_identifier_rule_says_why_in_its_docstring():
    for rule in prose_numbers.IDENTIFIER_RULES:
        assert rule.__doc__, rule.__name__
        assert len(rule.__doc__.split()) > 8, rule.__name__


# --- quotations ----------------------------------------------------------------------------------------

QUOTED = """\
=== "Today (measured)"

    --8<-- "results/vol1/app/sizes.md"

=== "2019 (as published)"

    | image | size |
    | --- | ---: |
    | `api:latest` (final) | 21.2MB |

    Quoted from the 2019 article as history.

The figures above are 16 MB today.
"""


def test_figures_in_a_block_titled_as_a_quotation_are_listed_not_judged(tmp_path):
    report = run(tmp_path, QUOTED)
    assert flagged(report) == []
    assert [(q.line, q.figure) for q in report.quoted] == [(9, "21.2MB")]
    assert "docs/page.md:9: 21.2MB" in report.summary()


def test_a_block_not_titled_as_a_quotation_is_prose(tmp_path):
    report = run(tmp_path, QUOTED.replace("(as published)", "(by hand)"))
    assert flagged(report) == [(9, "21.2MB")]


def test_the_real_quoted_figures_are_in_the_seed_article_when_it_is_here():
    """`journey check` needs no seed, so it trusts the title; where the seed is, the figures must be in it."""
    volume = yaml.safe_load((REPO / "snippets/vol1/volume.yml").read_text(encoding="utf-8"))
    seed = (REPO / volume["seed"]["text"]).resolve()
    if not seed.is_file():
        pytest.skip(f"the seed article is not on this machine ({seed})")
    text = seed.read_text(encoding="utf-8")
    pages = sorted((REPO / "docs").rglob("*.md"))
    report = check_pages(REPO, pages, [i for p in pages for i in page_includes(REPO, p)])
    for quoted in report.quoted:
        assert quoted.figure in text, quoted


# --- the escape hatch ----------------------------------------------------------------------------------


def test_a_reviewed_comment_accepts_its_figure_and_is_counted_and_listed(tmp_path):
    page = (
        "Its go.mod lists 30 modules. <!-- number 30: counted by hand in go.mod, reviewed 2026-12 -->\n"
        "It is less than half. <!-- number less than half: 7.78 MB against 16 MB, sizes.md above -->\n"
    )
    report = run(tmp_path, page)
    assert flagged(report) == []
    assert [(r.line, r.what) for r in report.reviewed] == [(1, "30"), (2, "less than half")]
    summary = report.summary()
    assert summary.startswith("journey check: 2 figures in prose accepted by a reviewed")
    assert "docs/page.md:1: 30 (counted by hand in go.mod, reviewed 2026-12)" in summary


def test_a_reviewed_comment_covers_only_the_figure_it_names_on_its_own_line(tmp_path):
    page = "It lists 30 modules and 12 more. <!-- number 30: counted by hand -->\nThen 30 again.\n"
    assert flagged(run(tmp_path, page)) == [(1, "12"), (2, "30")]


def test_a_reviewed_comment_that_covers_nothing_or_says_no_why_is_a_gap(tmp_path):
    page = (
        INCLUDE + "It is 16 MB. <!-- number 16 MB: from sizes.md -->\n"
        "It lists 30 modules. <!-- number 30: -->\n"
    )
    report = run(tmp_path, page)
    messages = sorted((gap.line, gap.message) for gap in report.gaps)
    assert messages == [
        (3, "the reviewed-number comment names '16 MB', which this line does not state unaccounted for"),
        (4, "states '30', and no included fragment, quotation or cited source accounts for it"),
        (4, "the reviewed-number comment for '30' gives no reason"),
    ]
    assert report.reviewed == []


def test_an_ordinary_comment_or_one_shown_as_code_is_no_escape_hatch(tmp_path):
    assert flagged(run(tmp_path, "It lists 30 modules. <!-- TODO: check -->\n")) == [(1, "30")]
    report = run(tmp_path, "It lists 30 modules; write `<!-- number 30: why -->` to accept it.\n")
    assert (flagged(report), report.reviewed) == ([(1, "30")], [])
