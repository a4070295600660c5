"""What users might type that Streamlit's Markdown would render: shared by the AppTest checks
(test_markdown_injection.py) and the Chromium check of the real renderer (tests/e2e/test_markdown_escape.py)."""
from __future__ import annotations

ATTACK = "[重新登录](http://evil.example/x)![](http://evil.example/t)"
REASON = "**请改名** <img src=x onerror=alert(1)> [详情](http://evil.example/r) :red[急] $x$ :smile:"

# Every construct Streamlit's Markdown renders, as a user might type it.
CONSTRUCTS = [ATTACK, REASON, "<script>alert(1)</script>", "# 标题", "## 二级", "> 引用", "- 列表", "1. 编号",
              "| a | b |\n|---|---|\n| 1 | 2 |", "`代码`", "```\n块\n```", "*斜* _斜_ **粗** __粗__ ~~删~~",
              "$$x^2$$", "$x$ 与 $y$", r"\(x\)", ":red[红] :blue-background[蓝] :green-badge[绿] :small[小]",
              ':color[字]{foreground="red"}', ":shimmer[闪]", ":material/home:", ":streamlit:", ":smile: :+1:",
              "a -> b <- c <-> d -- e >= f <= g ~= h", "http://evil.example www.evil.example a@evil.example",
              "<http://evil.example>", "[ref]: http://evil.example\n[ref]", "&lt;b&gt; &amp; &#65;", "***", "===",
              "[^1]\n\n[^1]: 注", "    缩进代码", "- [ ] 任务", "\\*已转义\\*"]


def typed(text: str) -> str:
    """What a reader sees of ``text`` shown on one line: line breaks as spaces, leading blanks dropped."""
    return " ".join(line.lstrip() for line in text.splitlines())
