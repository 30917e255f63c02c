"""The Recipes page as a reader uses it: pick a case in the table, land on its recipe, copy the Dockerfile."""

from __future__ import annotations

import pytest
from browser_page import copy_block, open_page, titled_code_blocks
from browser_snippets import copy_difference

from journey.site.render_recipe import CASES
from shown import shown_text

pytestmark = pytest.mark.browser

RECIPES = "recipes/"
#: The recipe the test follows from the table: the one whose file lives only on this page.
CGO = next(c for c in CASES if c.snippet == "recipes/cgo")


def test_a_case_in_the_table_leads_to_a_recipe_whose_copy_button_yields_its_file(
    repo_root, site_url, context
):
    page, errors = open_page(context, site_url + RECIPES)
    table = page.locator("article table").first  # the decision table, before any recipe
    table.get_by_role("link", name=CGO.title).click()
    assert page.url.endswith(f"#{CGO.anchor}")
    section = page.locator(f"h2#{CGO.anchor}")
    assert section.is_visible()
    title = f"snippets/{CGO.snippet}/Dockerfile"
    index = titled_code_blocks(page).index(title)
    copied = copy_block(page, index)
    assert copied.title == title
    file_bytes = shown_text(repo_root, title).encode("utf-8")
    assert file_bytes == (repo_root / title).read_bytes()
    assert copy_difference(title, copied.clipboard, file_bytes) is None
    assert errors.lines == []
    page.close()
