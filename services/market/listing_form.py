"""The listing form (商品上架) as a definition: specs/market/listing.yaml.

The forms engine (services/forms) validates every answer it can express — required fields, the
5 solution categories and 3 industries, two-decimal amounts, low ≤ high price, exactly three cases,
the contact method rules, the specs' prices. What it cannot express is declared as data in the same
file's ``market:`` block and checked here: the uploaded files (display image, case documents,
screenshots — types the engine's file question does not know, checked by content) and the order of
the 商品详情 modules. ``check_file`` lets ``manage.py check-specs`` check both parts.

A version's ``content`` is the engine's answers plus these keys (file ids are ``market_file`` rows of
the listing's organisation): ``image_id``, ``banner_image_id``, ``case_docs`` (three ids, in case order),
``screenshot_ids``, ``module_order``.
"""
from __future__ import annotations

import functools
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import filetype
from sqlalchemy import select
from sqlalchemy.orm import Session

from db.market import MarketFile
from services.core.errors import ValidationFailed
from services.forms.engine import Context, Finding, evaluate
from services.forms.loader import check_file as check_form_file, load_definition, read_document
from services.forms.schema import Definition
from services.io.upload_limits import check_size, check_zip
from services.io.uploads import sniff

PATH = Path(__file__).resolve().parents[2] / "specs" / "market" / "listing.yaml"
FILE_KEYS = ("image_id", "banner_image_id", "case_docs", "screenshot_ids", "module_order")
# draft saving keeps every limit but lets fields and rows still be missing
_INCOMPLETE = ("required", "min_rows")
# what each purpose of the ``market:`` block is called in messages
PURPOSE_LABEL = {"image": "展示图", "banner": "Banner 图片", "case_doc": "介绍文档", "screenshot": "商品截图"}
_RULES_OF_PURPOSE = {"image": "image", "banner": "image", "case_doc": "case_document", "screenshot": "screenshots"}
# MIME of the extensions sniff() reports, for the file's row
_MIME = {"pdf": "application/pdf", "png": "image/png", "jpg": "image/jpeg", "bmp": "image/bmp", "zip": "application/zip",
         "mp4": "video/mp4", "doc": "application/msword", "ppt": "application/vnd.ms-powerpoint",
         "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
         "pptx": "application/vnd.openxmlformats-officedocument.presentationml.presentation"}


@dataclass(frozen=True)
class Problem:
    code: str
    item: str
    message: str


@dataclass(frozen=True)
class MarketRules:
    """The ``market:`` block: limits the engine cannot express."""

    image: dict[str, Any]
    case_document: dict[str, Any]
    screenshots: dict[str, Any]
    modules: dict[str, str]          # code -> label
    default_order: tuple[str, ...]


def _market_problems(doc: dict[str, Any]) -> list[Problem]:
    block = doc.get("market")
    if not isinstance(block, dict):
        return [Problem("M001", "market", "缺少 market: 块（展示图、介绍文档、截图和模块顺序的限制）")]
    out: list[Problem] = []
    known = set(_MIME) | {"jpeg"}
    for key in ("image", "case_document", "screenshots"):
        part = block.get(key)
        if not isinstance(part, dict):
            out.append(Problem("M001", f"market › {key}", "缺少此项"))
            continue
        bad = [t for t in part.get("types") or [] if t not in known]
        if not part.get("types") or bad:
            out.append(Problem("M002", f"market › {key} › types", f"文件类型须为 {'、'.join(sorted(known))} 中的若干个（{bad}）"))
        mb = part.get("max_mb")
        if not isinstance(mb, (int, float)) or not 0 < mb <= 50:
            out.append(Problem("M003", f"market › {key} › max_mb", "须为 0–50 之间的数（文件存放在数据库中）"))
    modules = block.get("modules") or {}
    values, default = modules.get("values"), modules.get("default")
    if not isinstance(values, dict) or not values or not isinstance(default, list) or sorted(default) != sorted(values):
        out.append(Problem("M004", "market › modules", "values 须为「代码: 名称」，default 须恰好列出每个代码一次"))
    return out


def check_file(path: str | Path) -> list[Problem]:
    """Problems of a listing definition file (the forms loader's D-codes, then the ``market:`` block's M-codes)."""
    found = [Problem(code, item, message) for code, _file, item, message in check_form_file(path)]
    try:
        doc = read_document(Path(path).read_text(encoding="utf-8"), str(path))
    except Exception:  # noqa: BLE001 - the loader above already reported why the file cannot be read
        return found
    return found + _market_problems(doc)


@functools.lru_cache(maxsize=1)
def _loaded() -> tuple[Definition, MarketRules]:
    doc = read_document(PATH.read_text(encoding="utf-8"), str(PATH))
    problems = _market_problems(doc)
    assert not problems, problems
    block = doc["market"]
    return load_definition(doc, str(PATH)), MarketRules(
        block["image"], block["case_document"], block["screenshots"], dict(block["modules"]["values"]),
        tuple(block["modules"]["default"]))


def definition() -> Definition:
    return _loaded()[0]


def rules() -> MarketRules:
    return _loaded()[1]


def blank_content() -> dict[str, Any]:
    """A new version's content: the catalogue's default and the default module order (企业名称 is not
    stored: it is the organisation's name, shown from the organisation)."""
    return {"catalogue": "solution", "module_order": list(rules().default_order), "case_docs": [None, None, None],
            "screenshot_ids": []}


def _label(f: Finding) -> str:
    d = definition()
    if f.question:
        for s in d.sections:
            for g in s.groups:
                if g.name == f.question:
                    return g.title or g.name
                for q in g.questions:
                    if q.name == f.question:
                        return q.label
    return "商品信息"


def answer_problems(content: dict[str, Any], *, complete: bool) -> dict[str, list[str]]:
    """The engine's errors for ``content`` keyed by field label; ``complete=False`` (a draft) skips
    what is only missing."""
    ev = evaluate(definition(), {k: v for k, v in content.items() if k not in FILE_KEYS}, Context(), with_scores=False)
    problems: dict[str, list[str]] = {}
    for f in ev.errors():
        if not complete and f.rule in _INCOMPLETE:
            continue
        problems.setdefault(_label(f), []).append(f.message if "：" in f.message else f"{_label(f)}：{f.message}")
    return problems


def file_problems(session: Session, org_id: int, content: dict[str, Any], *, complete: bool) -> dict[str, list[str]]:
    """The ``market:`` block's rules: every file id names a file of this organisation stored for that
    purpose; the display image and the three case documents are there (when ``complete``); the module
    order names each module once."""
    r = rules()
    problems: dict[str, list[str]] = {}
    wanted: list[tuple[str, Any, str]] = [("image", content.get("image_id"), "展示图"),
                                          ("banner", content.get("banner_image_id"), "Banner 图片")]
    docs = content.get("case_docs") or []
    if not isinstance(docs, list) or len(docs) > 3:
        problems["介绍文档"] = ["介绍文档：每个案例一个文档，共 3 个。"]
        docs = []
    for i in range(3):
        wanted.append(("case_doc", docs[i] if i < len(docs) else None, f"案例{i + 1} 介绍文档"))
    shots = content.get("screenshot_ids") or []
    if not isinstance(shots, list) or len(shots) > int(r.screenshots.get("max_count", 6)):
        problems["商品截图"] = [f"商品截图：最多 {r.screenshots.get('max_count', 6)} 张。"]
        shots = []
    wanted += [("screenshot", s, "商品截图") for s in shots]
    ids = [v for _p, v, _l in wanted if v is not None]
    if any(not isinstance(v, int) for v in ids):
        raise ValidationFailed({"文件": ["文件：文件编号无效，请重新上传。"]})
    rows = {f.id: f for f in session.execute(select(MarketFile.id, MarketFile.org_id, MarketFile.purpose)
                                             .where(MarketFile.id.in_(ids)))} if ids else {}
    for purpose, file_id, label in wanted:
        if file_id is None:
            required = purpose == "image" and r.image.get("required") or \
                purpose == "case_doc" and r.case_document.get("required")
            if complete and required:
                problems.setdefault(label, []).append(f"{label}：必填项，请上传。")
            continue
        row = rows.get(file_id)
        if row is None or row.org_id != org_id or row.purpose != purpose:
            problems.setdefault(label, []).append(f"{label}：文件不存在或不属于本单位，请重新上传。")
    order = content.get("module_order")
    if order is not None and (not isinstance(order, list) or sorted(order) != sorted(r.modules)):
        problems["商品详情模块顺序"] = [f"商品详情模块顺序：须恰好包含 {'、'.join(r.modules.values())} 各一次。"]
    return problems


def validate(session: Session, org_id: int, content: dict[str, Any], *, complete: bool) -> None:
    """Raise ``ValidationFailed`` naming each field and rule the content breaks."""
    if not isinstance(content, dict):
        raise ValidationFailed({"商品信息": ["商品信息：内容格式无效。"]})
    problems = answer_problems(content, complete=complete)
    for key, msgs in file_problems(session, org_id, content, complete=complete).items():
        problems.setdefault(key, []).extend(msgs)
    if problems:
        raise ValidationFailed(problems)


# --- files ----------------------------------------------------------------------------------
def file_kind(data: bytes) -> str | None:
    """The type the content really has: uploads.sniff's answer, plus a plain zip archive."""
    real = sniff(data)
    if real is None:
        kind = filetype.guess(data)
        if kind is not None and kind.extension == "zip":
            return "zip"
    return real


def check_upload(data: bytes, purpose: str) -> str:
    """Check an upload against the ``market:`` block (size, then type by content, then zip bombs);
    return its real type or raise ``ValidationFailed`` naming the field and the rule."""
    part = getattr(rules(), _RULES_OF_PURPOSE[purpose])
    label = PURPOSE_LABEL[purpose]
    allowed = {"jpg" if t == "jpeg" else t for t in part["types"]}
    check_size(data, label, float(part["max_mb"]))        # UploadRefused is a ValidationFailed
    real = file_kind(data)
    if real is None or real not in allowed:
        raise ValidationFailed({label: [f"{label}：文件内容不是允许的类型（允许：{'、'.join(sorted(allowed))}），"
                                        "请检查后重新上传。"]})
    if real in ("zip", "docx", "pptx"):
        check_zip(data, label)
    if purpose != "case_doc":
        _check_picture(data, label)
    return real


def _check_picture(data: bytes, label: str) -> None:
    """An image is shown to buyers: it must decode (a valid header on a broken body is refused), and not
    be a decompression bomb (Pillow's pixel limit)."""
    import io
    import warnings

    from PIL import Image
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with Image.open(io.BytesIO(data)) as img:
                img.verify()
    except Exception as exc:  # noqa: BLE001 - any decoding failure is the same answer to the user
        raise ValidationFailed({label: [f"{label}：图片无法识别或已损坏，请重新上传。"]}) from exc


def mime_of(real: str) -> str:
    return _MIME.get(real, "application/octet-stream")
