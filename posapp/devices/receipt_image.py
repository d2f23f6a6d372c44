"""Receipt text drawn as a 1-bit image, for printers without a usable Chinese font.

Each character is centred in its own 12-dot cells (two for a wide character), so the columns line
up exactly as in text mode whatever the font's own advance widths are.
"""

from __future__ import annotations

import os
from functools import lru_cache
from pathlib import Path

from PIL import Image, ImageDraw, ImageFont

from posapp.devices import textwidth as tw
from posapp.devices.receipt import TextLine
from posapp.domain.errors import PosError

CELL_W, ROW_H, FONT_PX, BASELINE = 12, 30, 22, 23  # Font A cells: 12 x 24 dots, 30-dot line pitch

_WINDOWS_FONTS = Path(os.environ.get("WINDIR", r"C:\Windows")) / "Fonts"
FONT_CANDIDATES = (
    "/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc",  # Debian, Ubuntu (fonts-noto-cjk)
    "/usr/share/fonts/noto-cjk/NotoSansCJK-Regular.ttc",  # Arch, Fedora
    "/usr/share/fonts/google-noto-cjk/NotoSansCJK-Regular.ttc",
    "/usr/share/fonts/truetype/wqy/wqy-microhei.ttc",  # fonts-wqy-microhei
    "/usr/share/fonts/wqy-microhei/wqy-microhei.ttc",
    "/usr/share/fonts/truetype/wqy/wqy-zenhei.ttc",
    "/usr/share/fonts/truetype/droid/DroidSansFallbackFull.ttf",
    str(_WINDOWS_FONTS / "msyh.ttc"),  # Microsoft YaHei
    str(_WINDOWS_FONTS / "simsun.ttc"),
    str(_WINDOWS_FONTS / "simhei.ttf"),
    str(_WINDOWS_FONTS / "msjh.ttc"),  # Microsoft JhengHei (Traditional)
    str(_WINDOWS_FONTS / "mingliu.ttc"),
)


class FontMissing(PosError):
    """No font that can draw Chinese was found for image printing."""


def font_candidates(font_path: str | None = None) -> list[Path]:
    """Where to look: the explicit path, the bundled resources/fonts, then the system's fonts."""
    from posapp.resources import resource_path

    bundled = resource_path("fonts")
    found = sorted(p for p in bundled.glob("*") if p.suffix.lower() in (".ttc", ".ttf", ".otf")) \
        if bundled.is_dir() else []
    return ([Path(font_path)] if font_path else []) + found + [Path(p) for p in FONT_CANDIDATES]


def find_font(font_path: str | None = None, *, locale: str = "zh_CN") -> ImageFont.FreeTypeFont:
    if font_path and not Path(font_path).is_file():
        raise FontMissing(f"receipt font {font_path} does not exist")
    for path in font_candidates(font_path):
        if path.is_file():
            return _load_face(str(path), "TC" if locale.startswith(("zh_TW", "zh_HK")) else "SC")
    raise FontMissing("no Chinese font found for image printing: install fonts-noto-cjk or "
                      "fonts-wqy-microhei, or put a .ttc/.ttf in resources/fonts")


@lru_cache(maxsize=8)
def _load_face(path: str, region: str) -> ImageFont.FreeTypeFont:
    """The best face of a collection: monospaced and of the region's glyph forms if it has one."""
    faces = []
    for index in range(16):
        try:
            face = ImageFont.truetype(path, FONT_PX, index=index)
        except OSError:
            break
        family = " ".join(face.getname()[:1])
        faces.append(((" Mono" in family) + 2 * (f" {region}" in family), -index, face))
        if not path.lower().endswith(".ttc"):
            break
    if not faces:
        raise FontMissing(f"{path} is not a font Pillow can read")
    return max(faces, key=lambda f: f[:2])[2]


def render_lines(lines: list[tuple[str, TextLine]], *, columns: int, locale: str = "zh_CN",
                 ambiguous: int = 2, font_path: str | None = None) -> Image.Image:
    """One image of the lines (already padded), black on white, columns * 12 dots wide."""
    font = find_font(font_path, locale=locale)
    strips = [_strip(text, line, columns, font, ambiguous) for text, line in lines]
    sheet = Image.new("1", (columns * CELL_W, sum(s.height for s in strips)), 1)
    y = 0
    for strip in strips:
        sheet.paste(strip, (0, y))
        y += strip.height
    return sheet


def _strip(text: str, line: TextLine, columns: int, font, ambiguous: int) -> Image.Image:
    cells = columns // 2 if line.double_width else columns
    grey = Image.new("L", (cells * CELL_W, ROW_H), 255)
    draw = ImageDraw.Draw(grey)
    col = 0
    for ch in text:
        width = tw.char_width(ch, ambiguous=ambiguous)
        if width == 0:
            continue
        if col + width > cells:
            break
        if ch != " ":
            x = (col + width / 2) * CELL_W
            for dx in ((0, 1) if line.bold else (0,)):
                draw.text((x + dx, BASELINE), ch, font=font, fill=0, anchor="ms")
        col += width
    strip = grey.point(lambda v: 0 if v < 160 else 255).convert("1")
    scale_x, scale_y = (2 if line.double_width else 1), (2 if line.double_height else 1)
    if scale_x > 1 or scale_y > 1:
        strip = strip.resize((strip.width * scale_x, strip.height * scale_y), Image.NEAREST)
    return strip
