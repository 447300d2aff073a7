#!/usr/bin/python3
"""term_png.py: draws a terminal screen captured by `tmux capture-pane -e -p`
(text with SGR escape sequences: bold, dim, reverse) as a PNG, for the
screenshots in docs/.  Needs Debian's python3-pil and fonts-dejavu-core.

  term_png.py CAPTURE.txt OUT.png COLUMNS ROWS
"""
import re
import sys

from PIL import Image, ImageDraw, ImageFont

FONT = "/usr/share/fonts/truetype/dejavu/DejaVuSansMono.ttf"
BOLD = "/usr/share/fonts/truetype/dejavu/DejaVuSansMono-Bold.ttf"
BG, FG, DIM = (30, 30, 30), (220, 220, 220), (140, 140, 140)
SGR = re.compile(r"\x1b\[([0-9;]*)m")


def main():
    src, out, cols, rows = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4])
    size = 16
    font, bold = ImageFont.truetype(FONT, size), ImageFont.truetype(BOLD, size)
    cw = int(font.getlength("M"))
    ch = size + 4
    img = Image.new("RGB", (cols * cw + 16, rows * ch + 16), BG)
    d = ImageDraw.Draw(img)
    lines = open(src, encoding="utf-8", errors="replace").read().split("\n")[:rows]
    for y, line in enumerate(lines):
        attrs = set()
        x = 0
        pos = 0
        for m in list(SGR.finditer(line)) + [None]:
            text = line[pos:m.start()] if m else line[pos:]
            for c in text:
                fg, bg = (DIM if "2" in attrs else FG), BG
                if "7" in attrs:
                    fg, bg = bg, fg
                px, py = 8 + x * cw, 8 + y * ch
                if bg != BG:
                    d.rectangle([px, py, px + cw, py + ch], fill=bg)
                d.text((px, py + 1), c, font=bold if "1" in attrs else font, fill=fg)
                x += 1
            if m is None:
                break
            codes = m.group(1).split(";") if m.group(1) else ["0"]
            for c in codes:
                if c in ("0", ""):
                    attrs.clear()
                elif c in ("22",):
                    attrs.discard("1"), attrs.discard("2")
                elif c == "27":
                    attrs.discard("7")
                else:
                    attrs.add(c)
            pos = m.end()
    img.save(out)


if __name__ == "__main__":
    main()
