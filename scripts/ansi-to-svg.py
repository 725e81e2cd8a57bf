#!/usr/bin/env python3
"""A terminal capture with colours (`tmux capture-pane -e -p`) as an SVG picture: each run of
cells of one style is a <text> at its column over a <rect> of its background, so the picture
is the screen cell for cell. Standard library only.

    tmux capture-pane -e -p -t SESSION | scripts/ansi-to-svg.py > screen.svg
"""
import html
import re
import sys

# xterm's palette for the 16 named colours (blue lightened to read on a dark background).
BASE16 = [
    "#000000", "#cd0000", "#00cd00", "#cdcd00", "#3b78ff", "#cd00cd", "#00cdcd", "#e5e5e5",
    "#7f7f7f", "#ff0000", "#00ff00", "#ffff00", "#5c5cff", "#ff00ff", "#00ffff", "#ffffff",
]
FG, BG = "#d0d0d0", "#1c1c1c"
# SGR codes that turn one attribute on or off.
FLAGS = {1: ("bold", True), 2: ("dim", True), 3: ("italic", True), 4: ("under", True),
         7: ("reverse", True), 23: ("italic", False), 24: ("under", False), 27: ("reverse", False)}
CELL_W, CELL_H, FONT = 8.4, 17, 14


def xterm256(n):
    if n < 16:
        return BASE16[n]
    if n < 232:
        n -= 16
        steps = [0, 95, 135, 175, 215, 255]
        return "#%02x%02x%02x" % (steps[n // 36], steps[n // 6 % 6], steps[n % 6])
    level = 8 + (n - 232) * 10
    return "#%02x%02x%02x" % (level, level, level)


def apply_sgr(style, params):
    codes = [int(p) if p else 0 for p in params.split(";")] if params else [0]
    i = 0
    while i < len(codes):
        c = codes[i]
        if c == 0:
            style = dict(fg=None, bg=None, bold=False, reverse=False, dim=False, italic=False, under=False)
        elif c in FLAGS:
            name, on = FLAGS[c]
            style[name] = on
        elif c == 22:
            style["bold"] = style["dim"] = False
        elif 30 <= c <= 37:
            style["fg"] = BASE16[c - 30]
        elif 90 <= c <= 97:
            style["fg"] = BASE16[c - 90 + 8]
        elif 40 <= c <= 47:
            style["bg"] = BASE16[c - 40]
        elif 100 <= c <= 107:
            style["bg"] = BASE16[c - 100 + 8]
        elif c == 39:
            style["fg"] = None
        elif c == 49:
            style["bg"] = None
        elif c in (38, 48) and i + 1 < len(codes):
            key = "fg" if c == 38 else "bg"
            if codes[i + 1] == 5 and i + 2 < len(codes):
                style[key] = xterm256(codes[i + 2])
                i += 2
            elif codes[i + 1] == 2 and i + 4 < len(codes):
                style[key] = "#%02x%02x%02x" % tuple(codes[i + 2:i + 5])
                i += 4
        i += 1
    return style


def cells(line):
    """(character, style) for each cell of one captured line."""
    style = apply_sgr({}, "0")
    out = []
    for m in re.finditer(r"\x1b\[([0-9;]*)m|\x1b\[[0-9;?]*[A-Za-z]|(.)", line):
        if m.group(2) is not None:
            out.append((m.group(2), dict(style)))
        elif m.group(0).endswith("m"):
            style = apply_sgr(style, m.group(1))
    return out


def colours(style):
    fg, bg = style["fg"] or FG, style["bg"]
    if style["reverse"]:
        fg, bg = bg or BG, fg
    return fg, bg


def svg(lines):
    rows = [cells(l) for l in lines]
    width = max((len(r) for r in rows), default=0)
    w, h = width * CELL_W + 16, len(rows) * CELL_H + 16
    out = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{w:.0f}" height="{h:.0f}" '
        f'viewBox="0 0 {w:.0f} {h:.0f}" font-family="\'DejaVu Sans Mono\', Menlo, Consolas, monospace" '
        f'font-size="{FONT}">',
        f'<rect width="100%" height="100%" fill="{BG}"/>',
        '<g transform="translate(8 8)" xml:space="preserve">',
    ]
    for y, row in enumerate(rows):
        x = 0
        while x < len(row):
            style = row[x][1]
            end = x
            while end < len(row) and row[end][1] == style:
                end += 1
            text = "".join(c for c, _ in row[x:end])
            fg, bg = colours(style)
            if bg:
                out.append(f'<rect x="{x * CELL_W:.1f}" y="{y * CELL_H}" width="{(end - x) * CELL_W:.1f}" '
                           f'height="{CELL_H}" fill="{bg}"/>')
            if text.strip():
                attrs = f'fill="{fg}"'
                if style["bold"]:
                    attrs += ' font-weight="bold"'
                if style["dim"]:
                    attrs += ' opacity="0.6"'
                if style["italic"]:
                    attrs += ' font-style="italic"'
                if style["under"]:
                    attrs += ' text-decoration="underline"'
                out.append(f'<text x="{x * CELL_W:.1f}" y="{y * CELL_H + FONT - 1}" '
                           f'textLength="{(end - x) * CELL_W:.1f}" {attrs}>{html.escape(text)}</text>')
            x = end
    out += ["</g>", "</svg>"]
    return "\n".join(out) + "\n"


if __name__ == "__main__":
    sys.stdout.write(svg(sys.stdin.read().rstrip("\n").split("\n")))
