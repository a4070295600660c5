"""The quality self-assessment PDF report (下载报告): Chinese text in Noto Sans CJK (the platform's PDF base,
``services.io.pdf``, shared with the self-diagnosis report), the 企业信息 confirmed for the attempt,
the overall and first-level tiers, a table of the second-level tiers, a bar chart of the tiers drawn as
vectors by fpdf2, the performance parameters, and the date in China time.

``build_pdf(actor, attempt_id)``: only a completed attempt of the actor's own organisation
(``history.report`` scopes it: another organisation's attempt is ``NotFound``, an unfinished one ``Conflict``)."""
from __future__ import annotations

from fpdf import FPDF

from clock import china_now
from services.core.permissions import Actor
from services.io.pdf import GREY, LIGHT, RED, start
from services.quality.history import Report, TierRow, report

TITLE = "制造业企业质量管理能力自评估报告"
FOOTER = "自评估结果仅供企业自我改进参考，不作为第三方评价结论"
BAR_COLOURS = [(215, 215, 215), (236, 180, 170), (222, 132, 118), (205, 90, 72), (192, 57, 43), (140, 30, 20)]


def _heading(pdf: FPDF, text: str) -> None:
    pdf.ln(2)
    pdf.set_font("cjk", size=12)
    pdf.set_text_color(*RED)
    pdf.cell(0, 8, text, new_x="LMARGIN", new_y="NEXT")
    pdf.set_text_color(40, 40, 40)


def _pairs(pdf: FPDF, rows: list[tuple[str, str]]) -> None:
    pdf.set_font("cjk", size=9)
    for label, text in rows:
        pdf.set_x(pdf.l_margin)
        pdf.cell(55, 6, label)
        pdf.multi_cell(0, 6, text or "—", new_x="LMARGIN", new_y="NEXT")


def _tier_table(pdf: FPDF, rows: list[TierRow]) -> None:
    pdf.set_font("cjk", size=9)
    pdf.set_fill_color(*LIGHT)
    widths = (70, 80, 30)
    for w, h in zip(widths, ("一级指标", "二级指标", "等级")):
        pdf.cell(w, 7, h, border=1, fill=True)
    pdf.ln(7)
    for r in rows:
        if pdf.get_y() > pdf.h - 24:
            pdf.add_page()
        for w, text in zip(widths, (r.parent, r.name, r.label)):
            pdf.cell(w, 6, text, border=1)
        pdf.ln(6)


def tier_bar_chart(pdf: FPDF, rows: list[TierRow], levels: list[str], x: float, y: float, width: float) -> float:
    """Horizontal bars (vectors) of ``rows``' tiers on a 0…len(levels) axis; return the y below the chart."""
    label_w, row_h = 62.0, 6.0
    plot_w = width - label_w - 4
    n = len(levels)
    pdf.set_font("cjk", size=7)
    pdf.set_draw_color(210, 210, 210)
    pdf.set_line_width(0.2)
    bottom = y + row_h * len(rows)
    for k in range(n + 1):  # the grid and the tier names on the axis
        gx = x + label_w + plot_w * k / n
        pdf.line(gx, y, gx, bottom)
        pdf.set_xy(gx - 10, bottom + 1)
        pdf.set_text_color(*GREY)
        pdf.cell(20, 4, levels[k - 1] if k else "", align="C")
    for i, r in enumerate(rows):
        ry = y + row_h * i
        pdf.set_xy(x, ry)
        pdf.set_text_color(40, 40, 40)
        pdf.cell(label_w, row_h, r.name[:22])
        tier = r.tier or 0
        pdf.set_fill_color(*BAR_COLOURS[min(tier, len(BAR_COLOURS) - 1)])
        pdf.rect(x + label_w, ry + 1.2, max(0.6, plot_w * tier / n), row_h - 2.4, style="F")
        pdf.set_xy(x + label_w + plot_w * tier / n + 1, ry)
        pdf.cell(20, row_h, r.label)
    return bottom + 7


def render(rep: Report) -> bytes:
    """Return the PDF of a report (pure: the data in, the bytes out)."""
    pdf = start(f"惠企 · {TITLE}", FOOTER, TITLE)
    _pairs(pdf, [("企业名称", rep.org_name), ("统一社会信用代码", rep.credit_code),
                 ("评估时间", f"{rep.attempt.started_at} 至 {rep.attempt.completed_at or '—'}（北京时间）"),
                 ("报告生成时间", china_now().strftime("%Y-%m-%d %H:%M") + "（北京时间）")])
    pdf.ln(3)
    pdf.set_fill_color(*LIGHT)
    pdf.set_font("cjk", size=14)
    pdf.cell(0, 14, f"总体等级：{rep.overall_label}", align="C", fill=True, new_x="LMARGIN", new_y="NEXT")
    _heading(pdf, "一、企业信息" + ("" if rep.profile_kept else "（该次评估未确认企业信息，以下为当前企业信息）"))
    _pairs(pdf, rep.profile_rows)
    _heading(pdf, "二、一级指标等级")
    _pairs(pdf, [(r.name, r.label) for r in rep.first_level])
    _heading(pdf, "三、二级指标等级")
    _tier_table(pdf, rep.second_level)
    chart_rows = [TierRow("总体", "", rep.overall, rep.overall_label), *rep.first_level, *rep.second_level]
    if pdf.get_y() + 6 * len(chart_rows) + 24 > pdf.h - 16:
        pdf.add_page()
    _heading(pdf, "四、等级分布图")
    tier_bar_chart(pdf, chart_rows, rep.level_labels, pdf.l_margin, pdf.get_y() + 2, pdf.w - pdf.l_margin - pdf.r_margin)
    if rep.perf:
        pdf.add_page()
        _heading(pdf, "五、质量绩效参数")
        _pairs(pdf, [(p.label, f"{p.value:g} {p.unit}".strip() if p.value is not None else p.message) for p in rep.perf])
    return bytes(pdf.output())


def build_pdf(actor: Actor, attempt_id: int) -> bytes:
    """The PDF report of one of the actor's organisation's completed attempts."""
    return render(report(actor, attempt_id))
