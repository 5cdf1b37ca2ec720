r"""Check the built documentation site: it must read offline and every formula must typeset.

Run after the HTML build (``make docs`` does)::

    python docs/check_html.py docs/_build/html

It fails (exit status 1, one line per problem) when a page

* loads a script, stylesheet, image or font from the network (``http(s)://`` or ``//``
  in a ``src``, or in the ``href`` of a ``<link>``): links a reader clicks are fine;
* points its MathJax script at a file the site does not hold;
* holds a formula that MathJax cannot typeset (a TeX error or an undefined macro), checked
  by typesetting every formula with the site's own MathJax copy under node.js;
* shows TeX delimiters outside a formula (``\(`` or ``\[`` in the page text, not in
  code), i.e. math that was never marked up as math.
"""

from __future__ import annotations

import html
import json
import shutil
import subprocess
import sys
from html.parser import HTMLParser
from pathlib import Path

# Typesets each formula of a JSON list on stdin with MathJax's TeX input and prints the
# indices of those that fail: a TeX error gives an <merror>, an undefined macro red text.
_NODE_CHECK = r"""
const mathjax = process.argv[1];
let data = '';
process.stdin.on('data', (chunk) => { data += chunk; });
process.stdin.on('end', () => {
  const formulas = JSON.parse(data);
  require(mathjax + '/node-main.js').init({loader: {load: ['input/tex']}}).then((MathJax) => {
    const bad = [];
    formulas.forEach(([tex, display], i) => {
      try {
        const mml = MathJax.tex2mml(tex, {display: display});
        if (mml.includes('merror') || mml.includes('mathcolor="red"')) bad.push([i, mml]);
      } catch (error) { bad.push([i, String(error.message)]); }
    });
    console.log(JSON.stringify(bad));
  }).catch((error) => { console.error(String(error)); process.exit(2); });
});
"""
_REMOTE = ("http://", "https://", "//")


class _Page(HTMLParser):
    """Collects formulas, resources and the text outside math and code of one page."""

    def __init__(self):
        super().__init__()
        self.formulas: list[tuple[str, bool]] = []
        self.resources: list[str] = []  # src / <link href> values
        self.mathjax_scripts: list[str] = []
        self.stray_tex: list[str] = []
        self._stack: list[tuple[str, str | None]] = []  # (tag, "math"/"code"/None)
        self._math: list[str] | None = None

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        classes = (attrs.get("class") or "").split()
        if attrs.get("src"):
            self.resources.append(attrs["src"])
            if tag == "script" and "mathjax" in attrs["src"].lower():
                self.mathjax_scripts.append(attrs["src"])
        if tag == "link" and attrs.get("href") and attrs.get("rel") != "canonical":
            self.resources.append(attrs["href"])
        if tag in ("br", "img", "meta", "link", "input", "hr"):
            return
        kind = None
        if "math" in classes and self._math is None:
            kind, self._math = "math", []
        elif tag in ("pre", "code", "script", "style", "textarea"):
            kind = "code"
        self._stack.append((tag, kind))

    def handle_endtag(self, tag):
        while self._stack:
            open_tag, kind = self._stack.pop()
            if kind == "math":
                self._finish_math()
            if open_tag == tag:
                break

    def handle_data(self, data):
        if self._math is not None:
            self._math.append(data)
        elif not any(kind == "code" for _, kind in self._stack):
            if "\\(" in data or "\\[" in data:
                self.stray_tex.append(" ".join(data.split())[:80])

    def _finish_math(self):
        text = html.unescape("".join(self._math)).strip()
        self._math = None
        for opening, closing, display in (("\\(", "\\)", False), ("\\[", "\\]", True)):
            if text.startswith(opening) and text.endswith(closing):
                self.formulas.append((text[2:-2], display))
                return
        if text:
            self.formulas.append((text, True))


def check_site(site: Path) -> list[str]:
    """Problems found in the built site ``site`` (empty when it passes)."""
    problems, formulas, where = [], [], []
    pages = sorted(site.rglob("*.html"))
    if not pages:
        return [f"{site}: no HTML pages (build the site first)"]
    mathjax_files = set()
    for page_path in pages:
        page = _Page()
        page.feed(page_path.read_text(encoding="utf-8"))
        name = page_path.relative_to(site)
        problems += [
            f"{name}: loads {url} from the network"
            for url in page.resources
            if url.startswith(_REMOTE)
        ]
        for src in page.mathjax_scripts:
            target = (page_path.parent / src.split("?")[0]).resolve()
            if not src.startswith(_REMOTE):
                mathjax_files.add(target)
                if not target.is_file():
                    problems.append(f"{name}: MathJax script {src} is not in the site")
        problems += [f"{name}: TeX outside a formula: {text!r}" for text in page.stray_tex]
        formulas += page.formulas
        where += [name] * len(page.formulas)
    if formulas:
        problems += _typeset(site, formulas, where)
    return problems


def _typeset(site: Path, formulas: list, where: list) -> list[str]:
    mathjax = site / "_static" / "mathjax"
    if not (mathjax / "node-main.js").is_file():
        return [f"{len(formulas)} formulas but no MathJax copy in {mathjax}"]
    node = shutil.which("node")
    if node is None:
        return ["node.js is needed to typeset the formulas (apt-get install nodejs)"]
    done = subprocess.run(
        [node, "-e", _NODE_CHECK, str(mathjax.resolve())],
        input=json.dumps(formulas),
        capture_output=True,
        text=True,
        check=False,
    )
    if done.returncode:
        return [f"MathJax under node failed: {done.stderr.strip()[:300]}"]
    return [
        f"{where[i]}: formula {formulas[i][0]!r} does not typeset: {' '.join(detail.split())[:200]}"
        for i, detail in json.loads(done.stdout)
    ]


def main(argv: list[str]) -> int:
    """Check the site given as the first argument; print the problems; 1 if any."""
    site = Path(argv[1] if len(argv) > 1 else "docs/_build/html")
    problems = check_site(site)
    for problem in problems:
        print(problem)
    n_pages = len(list(site.rglob("*.html")))
    verdict = "FAILED" if problems else "ok"
    print(f"check_html: {n_pages} pages, {len(problems)} problems: {verdict}")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
