"""A self-contained HTML pager for a sequence of pictures, such as the frames of backprop.

A slider and ◀ ▶ buttons (also the arrow keys) show one frame at a time. It needs no widget
library: a few lines of JavaScript hide all frames but the current one, so where scripts do not
run (an untrusted notebook, a feed reader) every frame is still there, one under the other.
"""

from __future__ import annotations

import hashlib
import html
from collections.abc import Sequence

_SCRIPT = """
(function () {
  var root = document.getElementById("%(id)s");
  if (!root) { return; }
  var frames = root.querySelectorAll(".chainrule-frame");
  var slider = root.querySelector("input");
  var counter = root.querySelector(".chainrule-counter");
  function show(i) {
    i = Math.max(0, Math.min(frames.length - 1, i));
    for (var k = 0; k < frames.length; k++) {
      frames[k].style.display = k === i ? "block" : "none";
    }
    slider.value = i;
    counter.textContent = (i + 1) + " / " + frames.length;
  }
  root.querySelector(".chainrule-controls").style.display = "flex";
  slider.oninput = function () { show(+slider.value); };
  root.querySelector(".chainrule-previous").onclick = function () { show(+slider.value - 1); };
  root.querySelector(".chainrule-next").onclick = function () { show(+slider.value + 1); };
  root.onkeydown = function (event) {
    if (event.key === "ArrowLeft") { show(+slider.value - 1); }
    if (event.key === "ArrowRight") { show(+slider.value + 1); }
  };
  show(0);
})();
"""


def html_pager(pictures: Sequence[str], captions: Sequence[str]) -> str:
    """An HTML fragment that pages through ``pictures`` (inline SVG or any HTML), one at a time.

    Each picture is preceded by its caption (as text, escaped). The fragment's id is derived
    from its content, so the same frames give the same HTML.
    """
    if len(pictures) != len(captions):
        raise ValueError(f"{len(pictures)} pictures but {len(captions)} captions")
    digest = hashlib.sha256("\0".join([*pictures, *captions]).encode()).hexdigest()[:12]
    ident = f"chainrule-pager-{digest}"
    last = max(len(pictures) - 1, 0)
    frames = "\n".join(
        f'<div class="chainrule-frame"><p style="margin:4px 0">{html.escape(caption)}</p>'
        f"{picture}</div>"
        for picture, caption in zip(pictures, captions, strict=True)
    )
    return (
        f'<div id="{ident}" class="chainrule-pager" tabindex="0">\n'
        '<div class="chainrule-controls" '
        'style="display:none;gap:8px;align-items:center;font-family:sans-serif">'
        '<button class="chainrule-previous" title="previous step">◀</button>'
        f'<input type="range" min="0" max="{last}" value="0" step="1" style="width:320px">'
        '<button class="chainrule-next" title="next step">▶</button>'
        f'<span class="chainrule-counter">1 / {len(pictures)}</span></div>\n'
        f"{frames}\n"
        f"<script>{_SCRIPT % {'id': ident}}</script>\n"
        "</div>"
    )
