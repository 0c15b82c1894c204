#!/usr/bin/env python3
"""Checks of the printed and the phone status page, for scripts/browser-check.

  page_checks.py inject PAGE.html OUT.html [FRAME.html W H]
                                                  the page with a measuring script appended
                                                  (and a W x H frame around it)
  page_checks.py first-screen DOM.html HEIGHT     the "Cần chỉ đạo" block and its first line on
                                                  the first screen; nothing wider than the screen
  page_checks.py units-in-pdf PAGE.html SNAPSHOT.json PAGE.pdf
                                                  every indicator heading and unit row of the
                                                  units tables is in the PDF's text
  page_checks.py cards-not-cut PAGE.html PAGE.pdf  no indicator card is cut across an A4 page
  page_checks.py report-in-pdf REPORT.html REPORT.pdf
                                                  the periodic report: every target on paper, the
                                                  header on its first page, the signature on its last

Each prints what it found and exits 1 with the reasons when a check fails. Text is compared after
NFC normalisation with every run of white space (no-break spaces included) made one space.
"""
import html.parser
import json
import re
import subprocess
import sys
import unicodedata

MEASURE = r"""<script>(function(){
var r={width:innerWidth,height:innerHeight,scrollWidth:document.documentElement.scrollWidth,pageHeight:document.documentElement.scrollHeight,overflow:[]};
var a=document.getElementById('can-chi-dao');
if(a){r.attentionTop=a.getBoundingClientRect().top;var l=a.querySelector('li');if(l){r.firstLineBottom=l.getBoundingClientRect().bottom;}}
document.querySelectorAll('body *').forEach(function(e){
 if(e.closest('.sr,.skip'))return;var s=getComputedStyle(e);if(s.display==='none'||s.visibility==='hidden')return;
 var b=e.getBoundingClientRect();if(b.width===0&&b.height===0)return;
 var name=e.tagName.toLowerCase()+'.'+(e.getAttribute('class')||'')+' "'+(e.textContent||'').trim().slice(0,40)+'"';
 if(b.right>innerWidth+0.5||b.left<-0.5)r.overflow.push(name+' spans '+Math.round(b.left)+'..'+Math.round(b.right)+' px');
 else if(e.scrollWidth>e.clientWidth+1&&s.overflowX!=='visible')r.overflow.push(name+' scrolls sideways');
});
var p=document.createElement('pre');p.id='measure';p.textContent=JSON.stringify(r);document.body.appendChild(p);
})();</script>"""


def norm(text):
    return re.sub(r"\s+", " ", unicodedata.normalize("NFC", text).replace("\u00a0", " ")).strip()


def squeeze(text):
    """Without white space and hyphens: a PDF wraps lines where the page did not, and pdftotext
    joins "e-" + "form" back as "eform"."""
    return re.sub(r"[\s\-\u00ad]+", "", unicodedata.normalize("NFC", text))


class Collector(html.parser.HTMLParser):
    """The units tables' headings and row names, and each card's first and last printed text."""

    VOID = {"br", "img", "meta", "link", "input", "hr", "wbr", "source", "col", "area", "base", "embed", "param", "track"}

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.stack = []
        self.headings, self.rows, self.cards = [], [], []

    def classes(self):
        return [set((dict(attrs).get("class") or "").split()) for _, attrs in self.stack]

    def inside(self, tag=None, cls=None):
        for (name, attrs) in self.stack:
            if (tag is None or name == tag) and (cls is None or cls in (dict(attrs).get("class") or "").split()):
                return True
        return False

    def handle_starttag(self, tag, attrs):
        if tag in self.VOID:
            return
        self.stack.append((tag, attrs))
        if tag == "article" and "card" in (dict(attrs).get("class") or "").split():
            self.cards.append([])
        if tag == "abbr" and self.inside(cls="unit-tables") and self.inside(tag="thead"):
            self.headings.append("")
        if tag == "a" and self.inside(cls="unit-tables") and self.inside(tag="tbody") and self.stack[-2][0] == "th":
            self.rows.append("")

    def handle_endtag(self, tag):
        if tag in self.VOID:
            return
        while self.stack:
            name, _ = self.stack.pop()
            if name == tag:
                break

    def handle_data(self, data):
        if not self.stack:
            return
        tag, _ = self.stack[-1]
        if tag == "abbr" and self.inside(cls="unit-tables") and self.inside(tag="thead"):
            self.headings[-1] += data
        if tag == "a" and self.inside(cls="unit-tables") and self.inside(tag="tbody"):
            self.rows[-1] += data
        # What a card prints: not the screen-reader text.
        if self.inside(tag="article", cls="card") and not self.inside(cls="sr"):
            if data.strip():
                self.cards[-1].append(data)


def collect(path):
    collector = Collector()
    collector.feed(open(path, encoding="utf-8").read())
    return collector


def pdf_pages(path):
    count = int(re.search(r"^Pages:\s+(\d+)", subprocess.run(["pdfinfo", path], capture_output=True, text=True).stdout, re.M).group(1))
    return [squeeze(subprocess.run(["pdftotext", "-f", str(p), "-l", str(p), path, "-"], capture_output=True, text=True).stdout) for p in range(1, count + 1)]


def inject(page, out, frame=None, width="360", height="740"):
    """The page with the measuring script; with FRAME, also FRAME.html holding it in a WIDTH x HEIGHT
    iframe (headless Chromium will not make its window narrower than 500 px) that copies the
    result out (needs --allow-file-access-from-files)."""
    text = open(page, encoding="utf-8").read()
    open(out, "w", encoding="utf-8").write(text.replace("</body>", MEASURE + "</body>", 1))
    if frame:
        name = out.rsplit("/", 1)[-1]
        open(frame, "w", encoding="utf-8").write(
            f'<!DOCTYPE html><html><body style="margin:0"><iframe id="f" src="{name}" width="{width}" height="{height}" '
            'style="border:0;display:block" onload="var m=this.contentDocument.getElementById(\'measure\');'
            "var p=document.createElement('pre');p.id='measure';p.textContent=m?m.textContent:'';document.body.appendChild(p)\">"
            "</iframe></body></html>")
    return []


def first_screen(dom, height):
    height = float(height)
    match = re.search(r'<pre id="measure">(.*?)</pre>', open(dom, encoding="utf-8").read(), re.S)
    if not match:
        return ["the measuring script left no result (did the page load?)"]
    import html as entities
    r = json.loads(entities.unescape(match.group(1)))
    print(f"page_checks: {r['width']}x{r['height']} px: 'Cần chỉ đạo' at {r.get('attentionTop')} px, its first line ends at {r.get('firstLineBottom')} px; page {r['scrollWidth']} x {r.get('pageHeight')} px")
    problems = []
    if r.get("attentionTop") is None:
        problems.append("no 'Cần chỉ đạo' block (#can-chi-dao)")
    elif r.get("firstLineBottom", r["attentionTop"]) > height:
        problems.append(f"the 'Cần chỉ đạo' block is not on the first {height:.0f} px screen (top {r['attentionTop']:.0f}, first line ends {r.get('firstLineBottom', 0):.0f})")
    if r["scrollWidth"] > r["width"] + 0.5:
        problems.append(f"the page is {r['scrollWidth']} px wide on a {r['width']} px screen")
    problems += [f"overflows its box: {o}" for o in r["overflow"][:10]]
    return problems


def units_in_pdf(page, snapshot, pdf):
    found = collect(page)
    data = json.load(open(snapshot, encoding="utf-8"))
    root = data.get("indicators", [{}])[0].get("unit")
    children = {f["unit"] for f in data["indicators"] if f["unit"] != root}
    some_child = sorted(children)[0] if children else None
    expected_columns = {f["indicator"] for f in data["indicators"] if f["unit"] == some_child and f["period"] == "year" and f["source"] == "computed"}
    headings = [norm(h) for h in found.headings]
    rows = sorted({norm(r) for r in found.rows})
    problems = []
    if len(set(headings)) != len(expected_columns):
        problems.append(f"the units tables have {len(set(headings))} indicator headings; a unit below has {len(expected_columns)} computed figures")
    text = "".join(pdf_pages(pdf))
    start = text.find(squeeze("Theo đơn vị"))
    end = text.find(squeeze("Nhiệm vụ quá hạn"), start + 1)
    if start < 0:
        return problems + ["the PDF has no 'Theo đơn vị' section"]
    section = text[start:end if end > start else len(text)]
    for heading in headings:
        if squeeze(heading) not in section:
            problems.append(f"indicator heading '{heading}' is missing from the printed units tables")
    for row in rows:
        if squeeze(row) not in section:
            problems.append(f"unit row '{row}' is missing from the printed units tables")
    print(f"page_checks: units tables: {len(set(headings))} indicator headings and {len(rows)} units looked for in the printed units section")
    return problems


def cards_not_cut(page, pdf):
    pages = pdf_pages(pdf)
    problems, checked = [], 0
    for chunks in collect(page).cards:
        name = norm(" ".join(chunks[:2]))  # the plan ref and the name
        tail = squeeze(chunks[-1])[-24:]
        # The name may also be in "Cần chỉ đạo": the card is where its name and its end are together.
        where = [i for i, text in enumerate(pages) if squeeze(name) in text]
        if not where:
            problems.append(f"card '{name}' is not in the PDF")
            continue
        checked += 1
        if not any(tail in pages[i] for i in where):
            problems.append(f"card '{name}' is cut across pages (its end '{tail}' is on no page with its name: {[i + 1 for i in where]})")
    print(f"page_checks: {checked} cards each on one A4 page")
    return problems


def report_in_pdf(page, pdf):
    """Every target of the periodic report's results table, the header and the signature block on paper."""
    import html as entities
    text = open(page, encoding="utf-8").read()
    names = [entities.unescape(n) for n in re.findall(r'<tr><td class="n">\d+</td><td>(.*?)</td>', text)]
    pages = pdf_pages(pdf)
    whole = "".join(pages)
    problems = []
    if len(names) < 10:
        problems.append(f"the report's results table has {len(names)} targets")
    for name in names:
        if squeeze(name) not in whole:
            problems.append(f"target '{name}' is missing from the printed report")
    for words in ["CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM", "Độc lập - Tự do - Hạnh phúc", "BÁO CÁO"]:
        if squeeze(words) not in pages[0]:
            problems.append(f"the report's first page lacks '{words}'")
    if squeeze("Nơi nhận:") not in pages[-1] or squeeze("CHỦ TỊCH") not in pages[-1]:
        problems.append("the report's last page lacks the recipients and the signature block")
    print(f"page_checks: report: {len(names)} targets on {len(pages)} A4 pages, header on the first, signature on the last")
    return problems


def main():
    command, args = sys.argv[1], sys.argv[2:]
    problems = {"inject": inject, "first-screen": first_screen, "units-in-pdf": units_in_pdf, "cards-not-cut": cards_not_cut, "report-in-pdf": report_in_pdf}[command](*args)
    for problem in problems:
        print(f"page_checks: {command}: {problem}", file=sys.stderr)
    sys.exit(1 if problems else 0)


if __name__ == "__main__":
    main()
