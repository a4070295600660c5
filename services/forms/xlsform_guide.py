"""The rows of the 说明 (instructions) sheet written at the front of every exported workbook."""
from __future__ import annotations

from services.forms.types import CELL_TYPES, KINDS, QUESTION_TYPES

HELP = [
    ("survey", "type", "行类型：题型（" + "、".join(f"{k} {t.label}" for k, t in QUESTION_TYPES.items()) + "）；"
     "或 begin_section/end_section（部分）、begin_group/end_group（题组）、begin_repeat/end_repeat（可重复题组）；"
     "row/cell 紧跟矩阵题，逐行定义矩阵的行和列；constraint/goto 紧跟题目或 cell 行，写第二条及以后的规则/跳转"),
    ("survey", "name", "英文名称：字母或下划线开头，只含字母、数字、下划线，在定义内唯一；end_* 行可省略"),
    ("survey", "label", "题目文字；部分、题组行为标题；row/cell 行为矩阵行、列名称"),
    ("survey", "hint", "填写说明（帮助文字）；begin_section 行为部分说明"),
    ("survey", "example", "填写示例"),
    ("survey", "required", "是否必填：TRUE/FALSE，或条件表达式，如 ${org.kind} == 'enterprise'"),
    ("survey", "show_if", "显示条件表达式，为真时显示"),
    ("survey", "constraint", "校验规则表达式，“.” 表示本题的值，如 . >= 0"),
    ("survey", "constraint_message", "规则不满足时的提示文字"),
    ("survey", "severity", "error（错误，阻止提交）或 warning（警告，仅提示）"),
    ("survey", "fields", "规则涉及的字段，逗号分隔，如 ind.output.month, ind.output.ytd"),
    ("survey", "calculation", "计算表达式（计算题、矩阵计算列）"),
    ("survey", "choices", "选项列表名，对应 choices 表的 list_name"),
    ("survey", "choice_filter", "选项过滤表达式，可用 choice.属性 引用 choices 表的附加列"),
    ("survey", "not_applicable", "TRUE 时允许回答“不适用”"),
    ("survey", "columns", "每行显示的选项数"),
    ("survey", "unit / precision", "单位；小数位数（0–6 的整数）"),
    ("survey", "min / max", "数值的最小值、最大值；begin_repeat 行为最少、最多行数"),
    ("survey", "file_types / max_mb", "允许的文件类型（逗号分隔：pdf, png, jpg, jpeg, xlsx, docx）；文件大小上限（MB）"),
    ("survey", "weight / score", "权重（部分、题组、题目）；自定义得分表达式"),
    ("survey", "gate", "begin_section 行：部分得分低于此值时不进入下一部分"),
    ("survey", "goto_if / goto", "跳转：goto_if 条件成立时跳到 goto 指定的后面的题目名，或 end（结束）"),
    ("survey", "add_label", "begin_repeat 行：“添加一行”按钮文字"),
    ("survey", "cell_type", "cell 行：矩阵列的数据类型（" + "、".join(sorted(CELL_TYPES)) + "，默认 decimal）"),
    ("survey", "tag:键", "标签列，如 tag:domain 填“数据”；题组、题目行可用，用于按标签汇总得分"),
    ("choices", "list_name / value / label / score", "列表名、选项值、选项文字、得分；其余列为选项的附加属性"),
    ("settings", "code / kind / title", "定义代码；类型（" + "、".join(f"{k} {v}" for k, v in KINDS.items()) + "）；标题"),
    ("settings", "description / period / version / columns", "说明；周期（none/month/quarter/year）；版本号；默认每行选项数"),
    ("rules", "rule / message / severity / fields", "全局校验规则（可跨题、跨期，如 prev(${x})），提示、级别、涉及字段"),
    ("scoring", "group / section / total", "题组、部分、总分的汇总方式：mean / weighted_mean / sum（总分另可 cumulative）"),
    ("scoring", "pass / decimals / aggregate_tags", "达标分（cumulative 时必填）；小数位；按哪些标签汇总（逗号分隔）"),
    ("outcomes", "label / min / max / max_inclusive", "评级：总分在 [min, max) 内时的结论；max_inclusive 为 TRUE 时含 max"),
    ("（全部）", "", "以 = + - @ 开头的内容按文本保存，Excel 不会当作公式计算；请不要在本工作簿中使用公式"),
]
