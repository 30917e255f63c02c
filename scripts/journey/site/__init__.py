"""From recorded results to pages.

Fragments, charts, downloads, the scaffolding of new snippets, and the checks that the site is current.
"""
