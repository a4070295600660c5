"""The base of the platform's PDF reports (fpdf2): Chinese text in Noto Sans CJK (shipped by a PyPI
package), a grey running header and a footer with the page number, and the report's title page start.
Used by the self-diagnosis report (services/cmmm/report.py) and the quality self-assessment report
(services/quality/report.py); charts are drawn as vectors by each report."""
from __future__ import annotations

from functools import lru_cache

from fpdf import FPDF

RED, GREY, LIGHT = (192, 57, 43), (120, 120, 120), (244, 244, 244)


@lru_cache(maxsize=1)
def font_path() -> str:
    """Return the CJK font file installed with ``cvttf-notosanscjk-regular``."""
    import cvttf_NotoSansCJK_Regular as font_pkg  # type: ignore[import-untyped]
    return str(font_pkg.get_TTF_path())


class CjkPdf(FPDF):
    """An A4 report with the "cjk" font, ``header_text`` right-aligned on top and ``第 n 页 · footer_text``."""

    def __init__(self, header_text: str, footer_text: str) -> None:
        super().__init__(format="A4")
        self.header_text, self.footer_text = header_text, footer_text
        self.add_font("cjk", fname=font_path())
        self.set_auto_page_break(True, margin=16)

    def header(self) -> None:
        self.set_font("cjk", size=8)
        self.set_text_color(*GREY)
        self.cell(0, 6, self.header_text, align="R")
        self.ln(8)

    def footer(self) -> None:
        self.set_y(-12)
        self.set_font("cjk", size=8)
        self.set_text_color(*GREY)
        self.cell(0, 6, f"第 {self.page_no()} 页 · {self.footer_text}", align="C")


def start(header_text: str, footer_text: str, title: str) -> CjkPdf:
    """Return a report with its first page begun: the title in red, then body text (10 pt, dark grey)."""
    pdf = CjkPdf(header_text, footer_text)
    pdf.add_page()
    pdf.set_font("cjk", size=18)
    pdf.set_text_color(*RED)
    pdf.cell(0, 12, title, align="C", new_x="LMARGIN", new_y="NEXT")
    pdf.set_font("cjk", size=10)
    pdf.set_text_color(40, 40, 40)
    return pdf
