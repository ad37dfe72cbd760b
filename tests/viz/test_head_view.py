"""bertkeras.viz.head_view: the static matplotlib head view and the self-contained HTML/JS view.

The JavaScript is run for real with Node.js (when installed) against a minimal DOM stand-in: the
drawn lines, hovering, head switches, the layer menu and the segment menu are checked against the
attention numbers.
"""

from __future__ import annotations

import base64
import json
import re
import shutil
import subprocess

import numpy as np
import pytest
from matplotlib.colors import to_rgba

from bertkeras.viz import OKABE_ITO, figure_png
from bertkeras.viz.head_view import HeadView, head_view, head_view_figure, segment_positions
from bertkeras.viz.head_view_script import SCRIPT

TOKENS = ["[CLS]", "the", "cat", "[SEP]", "it", "sat", "[SEP]", "[PAD]"]


def random_attention(rng, *shape):
    weights = np.exp(3 * rng.normal(size=shape))
    return (weights / weights.sum(-1, keepdims=True)).astype(np.float32)


def drawn_lines(collection):
    """(query, key, alpha) for every line of a head's LineCollection."""
    return sorted((int(s[0][1]), int(s[1][1]), round(float(c[3]), 5))
                  for s, c in zip(collection.get_segments(), collection.get_colors(), strict=True))


def expected_lines(weights, rows, cols, min_weight=0.01):
    return sorted((i, j, round(min(1.0, float(weights[i, j])), 5)) for i in rows for j in cols
                  if weights[i, j] >= min_weight)


def test_static_head_view_draws_one_line_per_weight_with_alpha_equal_to_it():
    stack = random_attention(np.random.default_rng(0), 2, 3, 8, 8)
    fig = head_view_figure(stack, TOKENS, layer=1, heads=[2, 0])
    assert figure_png(fig).startswith(b"\x89PNG")  # renders headless (Agg)
    ax = fig.axes[0]
    assert len(ax.collections) == 2
    real = list(range(7))  # [PAD] is never drawn
    for collection, head in zip(ax.collections, [2, 0], strict=True):
        assert drawn_lines(collection) == expected_lines(stack[1, head], real, real)
        assert {tuple(np.round(c[:3], 5)) for c in collection.get_colors()} == {
            tuple(np.round(to_rgba(OKABE_ITO[head])[:3], 5))}
    texts = [t.get_text() for t in ax.texts]
    assert texts == TOKENS + TOKENS  # queries on the left, keys on the right
    assert [t.get_text() for t in ax.get_legend().get_texts()] == ["head 2", "head 0"]
    assert ax.get_title() == "layer 1"
    (left, right) = [line for line in ax.lines if line.get_linestyle() == "--"]
    assert tuple(left.get_ydata()) == (2.5 + 1, 2.5 + 1)  # between the first [SEP] (3) and segment B (4)


def test_static_head_view_for_one_selected_token_and_a_segment_pair():
    stack = random_attention(np.random.default_rng(1), 1, 2, 8, 8)
    ax = head_view_figure(stack, TOKENS, query=2, min_weight=0.0).axes[0]
    assert drawn_lines(ax.collections[0]) == expected_lines(stack[0, 0], [2], range(7), 0.0)
    assert ax.get_title() == "layer 0, token 2 ('cat')"
    bold = [t.get_text() for t in ax.texts if t.get_fontweight() == "bold"]
    assert bold == ["cat"]
    ax = head_view_figure(stack, TOKENS, segments="a->b", min_weight=0.0).axes[0]
    assert drawn_lines(ax.collections[1]) == expected_lines(stack[0, 1], [0, 1, 2, 3], [4, 5, 6], 0.0)
    faded = [t.get_text() for t in ax.texts[8:] if t.get_alpha() == 0.3]  # keys outside segment B
    assert faded == ["[CLS]", "the", "cat", "[SEP]", "[PAD]"]


def test_segment_positions_and_errors():
    assert segment_positions(TOKENS, "b->a") == ([4, 5, 6], [0, 1, 2, 3])
    assert segment_positions(TOKENS, "all") == (list(range(7)), list(range(7)))
    with pytest.raises(ValueError, match="needs two segments"):
        segment_positions(["[CLS]", "a", "[SEP]"], "a->b")
    with pytest.raises(ValueError, match="is not one of"):
        segment_positions(TOKENS, "a-b")
    stack = random_attention(np.random.default_rng(2), 1, 2, 8, 8)
    with pytest.raises(ValueError, match=r"heads \[2\] must be a non-empty list within 0..1"):
        head_view_figure(stack, TOKENS, heads=[2])
    with pytest.raises(ValueError, match="query=8 is out of range"):
        head_view_figure(stack, TOKENS, query=8)


def test_html_view_holds_the_weights_a_fallback_picture_and_nothing_external():
    stack = random_attention(np.random.default_rng(3), 3, 2, 8, 8)
    view = head_view(stack, TOKENS, layers=[2, 0])
    assert isinstance(view, HeadView)
    data = view.data()
    assert data["tokens"] == TOKENS and data["layers"] == [2, 0] and data["heads"] == [0, 1]
    assert data["bStart"] == 4 and data["colors"] == list(OKABE_ITO[:2])
    np.testing.assert_array_equal(np.array(data["weights"]).reshape(2, 2, 8, 8),
                                  np.rint(stack[[2, 0]] * 1000).astype(int))
    html = view._repr_html_()
    assert html == view.html
    assert html.count("<script>") == 1 and f'id="{view.element_id}"' in html
    assert "http://" not in html.replace("http://www.w3.org/2000/svg", "") and "https://" not in html
    image = re.search(r'src="data:image/png;base64,([^"]+)"', html).group(1)
    assert base64.b64decode(image).startswith(b"\x89PNG")
    assert head_view(stack, TOKENS).element_id != view.element_id  # two views in one page do not clash
    assert "data:image/png" not in head_view(stack, TOKENS, fallback=False).html


def test_html_view_escapes_tokens_that_would_close_the_script():
    tokens = ["[CLS]", "</script><b>", "[SEP]"]
    html = head_view(np.full((1, 1, 3, 3), 1 / 3), tokens, fallback=False).html
    assert html.count("</script>") == 1


def test_save_writes_a_standalone_page_atomically(tmp_path):
    view = head_view(np.full((1, 2, 3, 3), 1 / 3), ["[CLS]", "hi", "[SEP]"])
    path = view.save(tmp_path / "view.html")
    page = path.read_text(encoding="utf-8")
    assert page.startswith("<!DOCTYPE html>") and view.html in page
    assert [p.name for p in tmp_path.iterdir()] == ["view.html"]  # no temporary file left behind
    with pytest.raises(ValueError, match="does not exist; create it first"):
        view.save(tmp_path / "missing" / "view.html")


DOM_SHIM = r"""
function Node(tag) { this.tagName = tag; this.children = []; this.attrs = {}; this.style = {};
                     this.listeners = {}; this.textContent = ""; this.value = ""; }
Node.prototype.setAttribute = function (k, v) { this.attrs[k] = String(v); };
Node.prototype.appendChild = function (c) { this.children.push(c); return c; };
Node.prototype.removeChild = function (c) { this.children.splice(this.children.indexOf(c), 1); return c; };
Object.defineProperty(Node.prototype, "firstChild", {get: function () { return this.children[0] || null; }});
Node.prototype.addEventListener = function (t, f) { (this.listeners[t] = this.listeners[t] || []).push(f); };
Node.prototype.fire = function (t) { (this.listeners[t] || []).forEach(function (f) { f({}); }); };
Node.prototype.all = function () {
  var out = [this]; this.children.forEach(function (c) { out = out.concat(c.all()); }); return out; };
Node.prototype.byClass = function (cls) {
  return this.all().filter(function (n) { return (n.attrs["class"] || "").split(" ").indexOf(cls) >= 0; }); };
Node.prototype.querySelector = function (sel) { return this.byClass(sel.slice(1))[0] || null; };
var root = new Node("div"), fallback = new Node("div");
fallback.setAttribute("class", "bkv-static"); root.appendChild(fallback);
var document = {
  getElementById: function (id) { return id === "view" ? root : null; },
  createElement: function (t) { return new Node(t); },
  createElementNS: function (ns, t) { return new Node(t); },
  createTextNode: function (s) { var n = new Node("#text"); n.textContent = s; return n; },
};
function lines() {
  return root.byClass("bkv-line").map(function (l) {
    return [Number(l.attrs.y1), Number(l.attrs.y2), Number(l.attrs["stroke-opacity"]), l.attrs.stroke]; });
}
"""

ACTIONS = r"""
var out = {hidden: fallback.style.display, boundaries: root.byClass("bkv-boundary").length};
out.all = lines();
var left = root.byClass("bkv-left"), right = root.byClass("bkv-right"), heads = root.byClass("bkv-head");
var menus = root.all().filter(function (n) { return n.tagName === "select"; });
left[2].fire("mouseover"); out.hoverLeft2 = lines(); left[2].fire("mouseout"); out.afterOut = lines().length;
right[0].fire("click"); out.pinRight0 = lines(); right[0].fire("mouseout"); out.stillPinned = lines().length;
right[0].fire("click"); out.unpinned = lines().length;
heads[0].fire("click"); out.withoutHead0 = lines();
heads[1].fire("dblclick"); out.onlyHead1 = lines();
menus[0].value = "1"; menus[0].fire("change"); out.layer1Head1 = lines();
menus[1].value = "a->b"; menus[1].fire("change"); out.aToB = lines();
out.menus = menus.map(function (m) { return m.children.map(function (o) { return o.textContent; }); });
console.log(JSON.stringify(out));
"""


@pytest.mark.skipif(shutil.which("node") is None, reason="Node.js runs the view's JavaScript; not installed here")
def test_javascript_draws_hovers_pins_and_filters_like_the_data(tmp_path):
    stack = random_attention(np.random.default_rng(4), 2, 3, 8, 8)
    view = head_view(stack, TOKENS, fallback=False)
    data = view.data()
    program = DOM_SHIM + f"({SCRIPT})('view', {json.dumps(data)});\n" + ACTIONS
    (tmp_path / "view.js").write_text(program, encoding="utf-8")
    result = subprocess.run(["node", str(tmp_path / "view.js")], capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stderr
    out = json.loads(result.stdout)

    def expected(layer, heads, rows, cols):
        weights = np.array(data["weights"][layer]).reshape(3, 8, 8) / 1000
        return sorted([i, j, float(weights[h, i, j]), OKABE_ITO[h]] for h in heads for i in rows for j in cols
                      if weights[h, i, j] >= 0.01)

    def as_rows(drawn):  # SVG y back to token positions (rows of 20 px, 10 px top margin)
        return sorted([int((y1 - 20) // 20), int((y2 - 20) // 20), w, c] for y1, y2, w, c in drawn)

    real = range(7)
    assert out["hidden"] == "none" and out["boundaries"] == 2
    assert as_rows(out["all"]) == expected(0, [0, 1, 2], real, real)
    assert as_rows(out["hoverLeft2"]) == expected(0, [0, 1, 2], [2], real)
    assert out["afterOut"] == len(out["all"])
    assert as_rows(out["pinRight0"]) == expected(0, [0, 1, 2], real, [0])
    assert out["stillPinned"] == len(out["pinRight0"]) and out["unpinned"] == len(out["all"])
    assert as_rows(out["withoutHead0"]) == expected(0, [1, 2], real, real)
    assert as_rows(out["onlyHead1"]) == expected(0, [1], real, real)
    assert as_rows(out["layer1Head1"]) == expected(1, [1], real, real)
    assert as_rows(out["aToB"]) == expected(1, [1], [0, 1, 2, 3], [4, 5, 6])
    assert out["menus"] == [["0", "1"], ["all", "A \u2192 A", "A \u2192 B", "B \u2192 A", "B \u2192 B"]]
