#!/usr/bin/env python3
"""Generates the benchmark corpus from the documents in corpus/.

    bench/gen.py [--seed N] [--files N] [--min-mb M] [--prefix P]
                 [--big FILE [--big-mb M]] CORPUS_DIR OUT_DIR

Writes at least --files documents and at least --min-mb megabytes into
OUT_DIR, each a variant of one of CORPUS_DIR's documents, so that no two
are byte-identical and no caching by content can flatter a measurement:

  * province and department names are swapped for others, consistently
    through the document (title case and upper case alike);
  * document numbers, days and months get new values (the same number
    gets the same new value wherever it recurs in one document), years
    shift by a few, percentages move;
  * runs of bulleted paragraphs and runs of plain paragraphs within a
    section are shuffled, and a few bullets dropped.

The UTF-8 text documents are most of the corpus; the legacy-encoded ones
(raw VNI bytes) and the Word HTML page appear in proportion, varied at the
byte level (numbers and years, bullet lines) so their encodings stay as
found.  With --big FILE a single large plan (its appendix table grown to that
size) is written to FILE too, for the memory measurement.

Deterministic: the same seed and the same templates give the same bytes.
Standard library only.
"""
import argparse
import hashlib
import os
import random
import re
import sys

PROVINCES = """An Giang|Bắc Giang|Bắc Kạn|Bạc Liêu|Bắc Ninh|Bến Tre|Bình Định|
Bình Dương|Bình Phước|Bình Thuận|Cà Mau|Cần Thơ|Cao Bằng|Đà Nẵng|Đắk Lắk|
Đắk Nông|Điện Biên|Đồng Nai|Đồng Tháp|Gia Lai|Hà Giang|Hà Nam|Hà Nội|Hà Tĩnh|
Hải Dương|Hải Phòng|Hậu Giang|Hòa Bình|Hưng Yên|Khánh Hòa|Kiên Giang|Kon Tum|
Lai Châu|Lâm Đồng|Lạng Sơn|Lào Cai|Long An|Nam Định|Nghệ An|Ninh Bình|
Ninh Thuận|Phú Thọ|Phú Yên|Quảng Bình|Quảng Nam|Quảng Ngãi|Quảng Ninh|
Quảng Trị|Sóc Trăng|Sơn La|Tây Ninh|Thái Bình|Thái Nguyên|Thanh Hóa|
Tiền Giang|Trà Vinh|Tuyên Quang|Vĩnh Long|Vĩnh Phúc|Yên Bái"""
PROVINCES = [p.strip() for p in PROVINCES.replace("\n", "").split("|")]

DEPARTMENTS = [
    "Sở Nội vụ", "Sở Tài chính", "Sở Tư pháp", "Sở Công Thương", "Sở Y tế",
    "Sở Xây dựng", "Sở Giáo dục và Đào tạo", "Sở Khoa học và Công nghệ",
    "Sở Nông nghiệp và Môi trường", "Sở Văn hóa, Thể thao và Du lịch",
    "Sở Dân tộc và Tôn giáo", "Sở Ngoại vụ",
]

WORD = r"[^\W_]"


def alternation(names):
    names = sorted(set(names), key=len, reverse=True)
    return re.compile(r"(?<!%s)(%s)(?!%s)" % (WORD, "|".join(map(re.escape, names)), WORD))


PROVINCE_RX = alternation(PROVINCES + [p.upper() for p in PROVINCES])
DEPARTMENT_RX = alternation(DEPARTMENTS)

# Numbers of documents: 1625/QĐ-UBND, 05/2006/QĐ-UBND, 298/TTr-SCT.
DOCNO_RX = re.compile(r"(?<![\d/.,])(\d{1,5})(?=/(?:\d{4}/)?[A-ZĐ])")
DATE_WORDS_RX = re.compile(r"(ngày\s+)(\d{1,2})(\s+tháng\s+)(\d{1,2})", re.I)
DATE_SLASH_RX = re.compile(r"(?<![\d/])(\d{1,2})/(\d{1,2})/((?:19|20)\d\d)(?![\d/])")
YEAR_RX = re.compile(r"(?<!\d)(199\d|20[0-3]\d)(?!\d)")
PERCENT_RX = re.compile(r"(?<![\d.,])(\d{1,3})(?=\s?%)")

BULLET_RX = re.compile(r"^\s*(?:\*\*|\*)?\s*[-+•▪●–]\s+\S")
# Numbered paragraphs, not to be moved: "1.", "a)", "(3)", "II.", "Điều 4.",
# and the same words in mojibake ("Ñieàu 4.").
LABEL_RX = re.compile(
    r"^\s*(?:\*\*|\*|<b>)?\s*\(?(?:[IVXLC]+|\d+(?:\.\d+)*|[a-zđ])\s*[.):]|^\s*(?:\*\*)?"
    r"(?:Điều|Chương|CHƯƠNG|Mục|MỤC|Phần|PHẦN|Phụ lục|PHỤ LỤC)\b|^\s*\S{1,12}\s+\d{1,3}\s*[.:]")

# Byte-level forms for the legacy and HTML templates (their digits are ASCII).
B_DOCNO_RX = re.compile(rb"(?<![\d/.,])(\d{1,5})(?=/(?:\d{4}/)?[A-Z])")
B_DATE_SLASH_RX = re.compile(rb"(?<![\d/])(\d{1,2})/(\d{1,2})/((?:19|20)\d\d)(?![\d/])")
B_YEAR_RX = re.compile(rb"(?<!\d)(199\d|20[0-3]\d)(?!\d)")
B_BULLET_RX = re.compile(rb"^\s*[-+]\s+\S")


class Variant:
    """The choices made for one generated document."""

    def __init__(self, rng):
        self.rng = rng
        self.year_shift = rng.choice([-4, -3, -2, -1, 1, 2, 3, 4])
        self.province = {}
        self.department = {}
        self.numbers = {}
        self.dates = {}

    def new_number(self, old):
        if old not in self.numbers:
            width = len(old)
            lo = 10 ** (width - 1) if width > 1 and old[0] != "0" else 1
            n = self.rng.randint(lo, 10 ** width - 1)
            s = str(n).zfill(width) if old[0] == "0" else str(n)
            self.numbers[old] = s
        return self.numbers[old]

    def new_day_month(self, key):
        if key not in self.dates:
            self.dates[key] = (self.rng.randint(1, 28), self.rng.randint(1, 12))
        return self.dates[key]

    def year(self, y):
        return str(int(y) + self.year_shift)


def pick_consistent(table, key, choices, rng):
    if key not in table:
        table[key] = rng.choice(choices)
    return table[key]


def vary_text(text, v):
    rng = v.rng

    def province(m):
        name = m.group(1)
        upper = name.isupper()
        base = name.title() if upper else name
        for p in PROVINCES:       # .title() is not always the original spelling
            if p.upper() == name.upper():
                base = p
                break
        new = pick_consistent(v.province, base, PROVINCES, rng)
        return new.upper() if upper else new

    text = PROVINCE_RX.sub(province, text)
    text = DEPARTMENT_RX.sub(
        lambda m: pick_consistent(v.department, m.group(1), DEPARTMENTS, rng), text)
    text = DOCNO_RX.sub(lambda m: v.new_number(m.group(1)), text)

    def words(m):
        d, mo = v.new_day_month(("w", m.group(2), m.group(4)))
        return "%s%02d%s%d" % (m.group(1), d, m.group(3), mo) if len(m.group(2)) == 2 \
            else "%s%d%s%d" % (m.group(1), d, m.group(3), mo)

    text = DATE_WORDS_RX.sub(words, text)

    def slash(m):
        d, mo = v.new_day_month(("s", m.group(1), m.group(2)))
        return "%02d/%02d/%s" % (d, mo, m.group(3))

    text = DATE_SLASH_RX.sub(slash, text)
    text = YEAR_RX.sub(lambda m: v.year(m.group(1)), text)

    def percent(m):
        n = int(m.group(1))
        return str(max(1, min(100, n + rng.randint(-15, 15))))

    return PERCENT_RX.sub(percent, text)


BARE_LABEL_RX = re.compile(r"^\s*(?:\*\*|<b>)?(?:[IVXLC]+|\d+(?:\.\d+)*|[a-zđ])[.)]?(?:\*\*|</b>)?\s*$")
END_RX = re.compile(r"[.;:!?…)\]”\"](?:\*\*|\*)?\s*$")


def blocks_of(lines):
    """Paragraphs: separated by blank lines when the document has them
    (converter output), else runs of lines up to one that ends a sentence
    (a hard-wrapped paragraph stays whole; a line of its own is one)."""
    blank = sum(1 for ln in lines if not ln.strip())
    out, cur = [], []
    if blank * 20 < len(lines):
        for ln in lines:
            cur.append(ln)
            if END_RX.search(ln.rstrip("\r\n")) or not ln.strip():
                out.append(cur)
                cur = []
    else:
        for ln in lines:
            cur.append(ln)
            if not ln.strip():
                out.append(cur)
                cur = []
    if cur:
        out.append(cur)
    return out


def kind_of(block, bullet_rx, label_rx):
    first = next((ln for ln in block if ln.strip()), "")
    if not first:
        return None
    if bullet_rx.match(first):
        return "bullet"
    if label_rx is None:
        return None
    body = "".join(block)
    if label_rx.match(first) or len(body) < 80 or first.strip().isupper():
        return None
    # Table cells one per line (short lines, bare labels) are not prose.
    if len(body) < 40 * len(block) or any(BARE_LABEL_RX.match(ln) for ln in block):
        return None
    if "QUYẾT ĐỊNH" in body or "Nơi nhận" in body:
        return None
    return "prose"


def shuffle_runs(lines, rng, bullet_rx, label_rx=None):
    blocks = blocks_of(lines)
    # Leave the letterhead alone: the first tenth of the document.
    start = max(1, len(blocks) // 10)
    out = blocks[:start]
    i = start
    while i < len(blocks):
        k = kind_of(blocks[i], bullet_rx, label_rx)
        j = i + 1
        while k and j < len(blocks) and kind_of(blocks[j], bullet_rx, label_rx) == k:
            j += 1
        run = blocks[i:j]
        if k and len(run) >= 2:
            rng.shuffle(run)
            if k == "bullet" and len(run) >= 4:
                run = [b for b in run if rng.random() > 0.1] or run[:1]
        out.extend(run)
        i = j
    return [ln for b in out for ln in b]


def vary_utf8(data, rng):
    v = Variant(rng)
    text = data.decode("utf-8")
    lines = text.split("\n")
    lines = shuffle_runs([ln + "\n" for ln in lines[:-1]] + [lines[-1]], rng, BULLET_RX, LABEL_RX)
    # The last element may lack its newline: keep the document's ending.
    text = "".join(ln if ln.endswith("\n") else ln + "\n" for ln in lines)
    if not data.endswith(b"\n"):
        text = text[:-1]
    return vary_text(text, v).encode("utf-8")


def vary_bytes(data, rng, shuffle):
    v = Variant(rng)
    if shuffle:
        lines = data.split(b"\n")
        blocks = [[ln] for ln in lines]
        start = max(1, len(blocks) // 10)
        out, i = blocks[:start], start
        while i < len(blocks):
            j = i
            while j < len(blocks) and B_BULLET_RX.match(blocks[j][0]):
                j += 1
            if j - i >= 2:
                run = blocks[i:j]
                rng.shuffle(run)
                out.extend(run)
                i = j
            else:
                out.append(blocks[i])
                i += 1
        data = b"\n".join(b[0] for b in out)
    data = B_DOCNO_RX.sub(lambda m: v.new_number(m.group(1).decode()).encode(), data)

    def slash(m):
        d, mo = v.new_day_month(("s", m.group(1), m.group(2)))
        return b"%02d/%02d/%s" % (d, mo, m.group(3))

    data = B_DATE_SLASH_RX.sub(slash, data)
    return B_YEAR_RX.sub(lambda m: v.year(m.group(1).decode()).encode(), data)


def load_templates(corpus):
    out = []
    for name in sorted(os.listdir(corpus)):
        path = os.path.join(corpus, name)
        if not os.path.isfile(path) or name.upper().startswith(("SOURCES", "README")):
            continue
        data = open(path, "rb").read()
        stem, ext = os.path.splitext(name)
        if ext.lower() in (".htm", ".html"):
            kind, weight = "html", 0.5
        else:
            try:
                data.decode("utf-8")
                kind, weight = "utf8", 1.0
            except UnicodeDecodeError:
                kind, weight = "legacy", 0.5
        out.append((stem, ext, kind, weight, data))
    return out


def big_plan(templates, rng, size):
    """One plan whose appendix table holds enough rows to reach `size`
    bytes: the table rows of a template with tab-separated rows, repeated
    with new group numbers, varied deadlines and agencies."""
    src = next((t for t in templates if t[2] == "utf8" and t[4].count(b"\t") > 20), None)
    if src is None:
        return None
    text = src[4].decode("utf-8")
    lines = text.split("\n")
    rows = [i for i, ln in enumerate(lines) if "\t" in ln]
    first, last = rows[0], rows[-1]
    head, table, tail = lines[:first + 1], lines[first + 1:last + 1], lines[last + 1:]
    out = head[:]
    total = sum(len(ln.encode()) + 1 for ln in head + tail)
    group = 0
    quarters = ["Quý I", "Quý II", "Quý III", "Quý IV"]
    while total < size:
        v = Variant(rng)
        for ln in table:
            cells = ln.split("\t")
            if cells[0].strip().isdigit():
                group += 1
                cells[0] = str(group)
            if len(cells) >= 5 and cells[4].strip():
                cells[4] = "%s/%d" % (rng.choice(quarters), rng.randint(2014, 2030))
            ln = vary_text("\t".join(cells), v)
            out.append(ln)
            total += len(ln.encode()) + 1
    out.extend(tail)
    return "\n".join(out).encode("utf-8")


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("corpus")
    ap.add_argument("out")
    ap.add_argument("--seed", type=int, default=20240601)
    ap.add_argument("--files", type=int, default=2000)
    ap.add_argument("--min-mb", type=float, default=50.0)
    ap.add_argument("--big", metavar="FILE", help="also write one large plan to FILE")
    ap.add_argument("--big-mb", type=float, default=8.0)
    ap.add_argument("--prefix", default="")
    a = ap.parse_args()

    rng = random.Random(a.seed)
    templates = load_templates(a.corpus)
    if not templates:
        sys.exit("gen.py: no documents in %s" % a.corpus)
    weights = [t[3] for t in templates]
    os.makedirs(a.out, exist_ok=True)
    seen = set()
    total = n = 0
    want = a.min_mb * 1e6
    while n < a.files or total < want:
        stem, ext, kind, _, data = rng.choices(templates, weights)[0]
        for _attempt in range(20):
            if kind == "utf8":
                body = vary_utf8(data, rng)
            else:
                body = vary_bytes(data, rng, shuffle=(kind == "legacy"))
            digest = hashlib.sha1(body).digest()
            if digest not in seen:
                break
        else:
            continue
        seen.add(digest)
        name = "%s%05d-%s%s" % (a.prefix, n, stem, ext)
        with open(os.path.join(a.out, name), "wb") as f:
            f.write(body)
        n += 1
        total += len(body)
    if a.big:
        body = big_plan(templates, rng, int(a.big_mb * 1e6))
        if body is not None:
            with open(a.big, "wb") as f:
                f.write(body)
    print("gen.py: %d documents, %.1f MB in %s" % (n, total / 1e6, a.out))


if __name__ == "__main__":
    main()
