"""Draws the application icon (resources/icons/posapp.png and posapp.ico) with Pillow.

Run it again only to change the icon: python packaging/pyinstaller/draw_icon.py
The drawing is plain shapes (a till with a receipt), so it needs no font and gives the same
pixels on every machine.
"""

from __future__ import annotations

from pathlib import Path

from PIL import Image, ImageDraw

ROOT = Path(__file__).resolve().parents[2]
OUT = ROOT / "resources" / "icons"
SIZE = 256
BLUE, DARK, PAPER, GREEN = (29, 99, 170, 255), (20, 44, 74, 255), (250, 250, 246, 255), (54, 170, 96, 255)


def draw(size: int = SIZE) -> Image.Image:
    scale = 4  # draw large and shrink, for smooth edges
    s = size * scale
    img = Image.new("RGBA", (s, s), (0, 0, 0, 0))
    d = ImageDraw.Draw(img)

    def box(x0, y0, x1, y1):  # coordinates on a 256 grid
        return [round(v * s / 256) for v in (x0, y0, x1, y1)]

    d.rounded_rectangle(box(8, 8, 248, 248), radius=round(48 * s / 256), fill=BLUE)
    # the receipt coming out of the till, with its printed lines
    d.rectangle(box(92, 34, 164, 120), fill=PAPER)
    for y in (50, 66, 82, 98):
        d.rectangle(box(102, y, 154 if y != 98 else 134, y + 6), fill=DARK)
    # the till body and its display
    d.rounded_rectangle(box(44, 108, 212, 216), radius=round(14 * s / 256), fill=PAPER)
    d.rectangle(box(60, 124, 196, 154), fill=DARK)
    d.rectangle(box(150, 132, 186, 146), fill=GREEN)
    # keys
    for row, y in enumerate((166, 190)):
        for col in range(4):
            x = 62 + col * 36
            d.rounded_rectangle(box(x, y, x + 26, y + 16), radius=round(4 * s / 256),
                                fill=GREEN if (row, col) == (1, 3) else DARK)
    return img.resize((size, size), Image.LANCZOS)


def main() -> None:
    OUT.mkdir(parents=True, exist_ok=True)
    icon = draw()
    icon.save(OUT / "posapp.png", optimize=True)
    icon.save(OUT / "posapp.ico", sizes=[(16, 16), (24, 24), (32, 32), (48, 48), (64, 64), (128, 128), (256, 256)])
    print(f"wrote {OUT / 'posapp.png'} and {OUT / 'posapp.ico'}")


if __name__ == "__main__":
    main()
