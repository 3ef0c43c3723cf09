"""Draws Holdfast's app icon (a cleat, the fitting a line is made fast to) in every size Tauri
bundles. Run once with Pillow installed: `python3 icons/generate.py`; the results are committed."""
from pathlib import Path

from PIL import Image, ImageDraw

HERE = Path(__file__).parent
ACCENT = (37, 99, 235, 255)
WHITE = (255, 255, 255, 255)


def draw(size: int) -> Image.Image:
    scale = 4  # draw large, then downsample for smooth edges
    s = size * scale
    img = Image.new("RGBA", (s, s), (0, 0, 0, 0))
    d = ImageDraw.Draw(img)
    d.rounded_rectangle((0, 0, s - 1, s - 1), radius=s // 5, fill=ACCENT)
    # the cleat: a horizontal bar with two horns, on a short post
    bar_h = s // 9
    d.rounded_rectangle((s * 0.18, s * 0.36, s * 0.82, s * 0.36 + bar_h), radius=bar_h // 2, fill=WHITE)
    d.rectangle((s * 0.43, s * 0.36, s * 0.57, s * 0.70), fill=WHITE)
    d.rounded_rectangle((s * 0.30, s * 0.66, s * 0.70, s * 0.66 + bar_h), radius=bar_h // 2, fill=WHITE)
    return img.resize((size, size), Image.LANCZOS)


def main() -> None:
    for name, size in [("32x32.png", 32), ("128x128.png", 128), ("128x128@2x.png", 256), ("icon.png", 512)]:
        draw(size).save(HERE / name)
    big = draw(1024)
    big.save(HERE / "icon.ico", sizes=[(16, 16), (24, 24), (32, 32), (48, 48), (64, 64), (128, 128), (256, 256)])
    big.save(HERE / "icon.icns")


if __name__ == "__main__":
    main()
