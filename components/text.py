"""The one escape for text that meets Markdown: whatever a user (or a definition's author) typed is shown
as typed, never as formatting, a link, an image, HTML, a heading, a table, LaTeX, a colour directive or
an emoji.

Every ``st.markdown`` / ``st.caption`` / ``st.write`` / ``st.info`` … ``st.toast`` body, every widget label,
radio option, metric value and ``help`` tooltip renders Markdown (Streamlit 1.67: GitHub-flavoured
Markdown plus ``$…$`` LaTeX, ``:red[…]`` / ``:color[…]{…}`` / ``:x-badge[…]`` / ``:small[…]`` directives,
``:material/icon:``, ``:streamlit:``, emoji shortcodes such as ``:smile:`` and typographic arrows such as
``->``). Data that came from a user goes through ``md``; a scan (tests/unit/test_markdown_scan.py) keeps it so.

How it works, and why each step is needed:

- every ASCII punctuation character gets a backslash (CommonMark lets any of them be escaped): links
  ``[x](…)``, images ``![](…)``, autolinks (``http\\:\\/\\/…``, ``www\\.…``), HTML, emphasis, code, headings,
  lists, tables, ``$`` (Streamlit turns LaTeX on only for an unescaped ``$``), ``:color[`` and
  ``:material/`` (matched in the raw text) are all broken;
- an escaped character still ends up in the same text node, and Streamlit's emoji, ``:streamlit:``,
  arrow and GFM autolink (``www.x.cn``, ``a@b.cn``) plugins run on text nodes *after* escapes are undone,
  so an invisible WORD JOINER (U+2060) is put after every ``:`` and ``@``, between ``www`` and ``.`` and
  inside ``->``, ``<-``, ``--``, ``>=``, ``<=``, ``~=`` (nothing else changes: a phone number
  ``025-12345678`` keeps its characters);
- line breaks become spaces (``multiline=True``: hard line breaks), and each line's leading blanks are
  dropped, so nothing turns into a code block (a paragraph never shows them anyway).
"""
from __future__ import annotations

import re

_PUNCT = re.compile(r"([!-/:-@\[-`{-~])")          # every ASCII punctuation character
# Where a text-node plugin would still see syntax: inside -> <- -- >= <= ~= (arrows), after @ (e-mail
# autolinks) and between www and "." (www autolinks); harmless neighbours such as >- are split too.
_TEXT_NODE = re.compile(r"(?<=[-<>~])(?=[-<>=])|(?<=@)|(?<=www)(?=\.)", re.IGNORECASE)
JOINER = "\u2060"                                  # WORD JOINER: invisible, no line break


def md(text: object, multiline: bool = False) -> str:
    """Return ``text`` (None → "") escaped for any Markdown Streamlit renders; see the module docstring."""
    raw = "" if text is None else str(text)
    raw = _TEXT_NODE.sub(JOINER, raw)
    escaped = _PUNCT.sub(r"\\\1", raw).replace(":", ":" + JOINER)
    lines = [line.lstrip() for line in escaped.replace("\r\n", "\n").replace("\r", "\n").split("\n")]
    return ("  \n" if multiline else " ").join(lines)


def md_table(header: list[str], rows: list[tuple[object, ...]]) -> str:
    """Return a Markdown table whose every cell (header included) is ``md``-escaped, one line per row."""
    def line(cells: tuple[object, ...] | list[str]) -> str:
        return "| " + " | ".join(md(c) for c in cells) + " |"
    return "\n".join([line(header), "|" + " --- |" * len(header), *(line(r) for r in rows)])
