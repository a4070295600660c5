"""The self-diagnosis PDF report: Chinese text in Noto Sans CJK (services/io/pdf.py),
the per-level table, a radar chart of domain scores and the comparison with averages, all drawn
as vectors by fpdf2 (no browser, no image service)."""
from __future__ import annotations

import math

from fpdf import FPDF

from services.cmmm.results import Result
from services.core.numfmt import fmt
from services.io.pdf import GREY, LIGHT, RED, font_path, start

__all__ = ["build_pdf", "font_path"]
HEADER = "惠企 · 智能制造能力成熟度自诊断报告（GB/T 39116-2020 / GB/T 39117-2020）"
FOOTER = "自诊断结果仅供企业自我评价参考，不作为正式评估结论"


def _radar(pdf: FPDF, domains: list[tuple[str, float]], cx: float, cy: float, r: float) -> None:
    n = len(domains)
    if n < 3:
        return
    pdf.set_draw_color(200, 200, 200)
    pdf.set_line_width(0.2)

    def point(i: int, frac: float) -> tuple[float, float]:
        a = -math.pi / 2 + 2 * math.pi * i / n
        return cx + r * frac * math.cos(a), cy + r * frac * math.sin(a)

    for ring in (0.2, 0.4, 0.6, 0.8, 1.0):
        pdf.polygon([point(i, ring) for i in range(n)], style="D")
    pdf.set_font("cjk", size=7)
    pdf.set_text_color(60, 60, 60)
    for i, (name, _) in enumerate(domains):
        x, y = point(i, 1.0)
        pdf.line(cx, cy, x, y)
        lx, ly = point(i, 1.18)
        pdf.set_xy(lx - 10, ly - 2)
        pdf.cell(20, 4, name, align="C")
    pdf.set_draw_color(*RED)
    pdf.set_fill_color(240, 190, 185)
    pdf.set_line_width(0.6)
    pdf.polygon([point(i, max(0.0, min(1.0, v))) for i, (_, v) in enumerate(domains)], style="DF")


def _bars(pdf: FPDF, items: list[tuple[str, float | None, int]], x: float, y: float, width: float) -> float:
    pdf.set_font("cjk", size=9)
    for label, value, count in items:
        pdf.set_xy(x, y)
        pdf.set_text_color(40, 40, 40)
        pdf.cell(58, 6, label)
        if value is None:
            pdf.set_text_color(*GREY)
            pdf.cell(0, 6, f"样本不足（{count} 家）")
        else:
            pdf.set_fill_color(*RED)
            pdf.rect(x + 60, y + 1, max(0.5, (width - 80) * value / 5), 4, style="F")
            pdf.set_xy(x + 62 + (width - 80) * value / 5, y)
            pdf.cell(20, 6, fmt(value))
        y += 8
    return y


def build_pdf(res: Result) -> bytes:
    """Return the PDF report of a diagnosis result."""
    pdf = start(HEADER, FOOTER, "智能制造能力成熟度自诊断报告")
    for k, v in [("企业名称", res.org_name), ("统一社会信用代码", res.credit_code or ""), ("所在地区", res.region_name),
                 ("所属行业", res.industry_name), ("诊断时间", f"{res.started_at} 至 {res.completed_at or '—'}"),
                 ("裁剪的能力域", "、".join(res.tailorable.get(t, t) for t in res.tailoring) or "无")]:
        pdf.cell(38, 7, k)
        pdf.cell(0, 7, v, new_x="LMARGIN", new_y="NEXT")
    pdf.ln(3)
    pdf.set_fill_color(*LIGHT)
    pdf.set_font("cjk", size=14)
    score = fmt(res.total_score)
    pdf.cell(0, 14, f"总分 S = {score}　　成熟度等级：{res.level_label or '—'}", align="C", fill=True,
             new_x="LMARGIN", new_y="NEXT")
    pdf.ln(4)
    pdf.set_font("cjk", size=12)
    pdf.cell(0, 8, "一、各等级得分与能力子域得分", new_x="LMARGIN", new_y="NEXT")
    pdf.set_font("cjk", size=9)
    for level, level_score, subs in res.level_rows:
        pdf.set_fill_color(*LIGHT)
        gate = res.level_gates.get(level, 0)
        pdf.cell(0, 7, f"{level}　得分 {fmt(level_score)}（{'达到' if level_score >= gate else '未达到'} {fmt(gate)}）", fill=True,
                 new_x="LMARGIN", new_y="NEXT")
        line = "；".join(f"{name} {fmt(v)}" for name, v in subs)
        pdf.multi_cell(0, 6, line, new_x="LMARGIN", new_y="NEXT")
    pdf.ln(3)
    if pdf.get_y() > 180:  # the heading, the radar and its values stay together
        pdf.add_page()
    pdf.set_font("cjk", size=12)
    pdf.cell(0, 8, "二、能力域得分（雷达图）", new_x="LMARGIN", new_y="NEXT")
    top = pdf.get_y()
    _radar(pdf, res.domains, 105, top + 45, 36)
    pdf.set_y(top + 96)
    pdf.set_font("cjk", size=9)
    pdf.multi_cell(0, 6, "；".join(f"{k} {fmt(v)}" for k, v in res.domains) or "—", new_x="LMARGIN", new_y="NEXT")
    pdf.ln(2)
    if pdf.get_y() + 14 + 8 * len(res.peers) > pdf.h - 20:  # keep the comparison block on one page
        pdf.add_page()
    pdf.set_font("cjk", size=12)
    pdf.cell(0, 8, "三、与同行业、本省平均水平对比（总分，满分 5）", new_x="LMARGIN", new_y="NEXT")
    _bars(pdf, [(p.label, p.average, p.count) for p in res.peers], pdf.l_margin, pdf.get_y() + 1, 180)
    return bytes(pdf.output())
