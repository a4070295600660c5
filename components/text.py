"""User text meeting Markdown: escape it, so a name such as ``**公司**`` or ``[x](javascript:…)`` is
shown as typed and never becomes formatting, a link or HTML."""
from __future__ import annotations

import re

_MD = re.compile(r"([\\`*_{}\[\]()#+\-.!|<>~$:])")


def md(text: object) -> str:
    """Return ``text`` escaped for ``st.markdown`` / captions / labels (None → "")."""
    return _MD.sub(r"\\\1", "" if text is None else str(text)).replace("\n", " ")
