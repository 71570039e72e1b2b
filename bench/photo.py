"""The photo-intake figure: clean a 12-megapixel phone JPEG against one plain full decode.

The photo is made to look like a phone's: 4032x3024, gradients with noise blended over them
(so the entropy-coded data is as large as a real photo's, about 4-6 MB), quality 90, 4:2:0,
with an EXIF block carrying the orientation (6: the phone was held upright), the camera and
GPS coordinates. Intake (`clean_image`: validate, lossless clean, preview and thumbnail) and
the decode (`Image.open(...).load()`) are each timed best of N in this process. Peak memory
is measured for one run in a fresh child process: the growth of its RSS high-water mark over
the call (what the worker really needs, Pillow's C buffers included) and the tracemalloc peak
(Python allocations only: the bytes objects, not Pillow's pixel buffers).
"""

from __future__ import annotations

import gc
import io
import json
import subprocess
import sys
import tempfile
import time
import tracemalloc
from pathlib import Path

from PIL import Image

WIDTH, HEIGHT = 4032, 3024


def phone_jpeg(seed: int = 7) -> bytes:
    """A 12 MP JPEG with the detail, size and EXIF (orientation, GPS) of a phone photo."""
    from PIL import ImageChops, ImageFilter

    w, h = WIDTH, HEIGHT
    horiz = Image.linear_gradient("L").transpose(Image.Transpose.ROTATE_90).resize((w, h))
    vert = Image.linear_gradient("L").resize((w, h))
    radial = Image.radial_gradient("L").resize((w, h))
    base = Image.merge("RGB", (horiz, vert, radial))
    # Sensor-like noise at two scales: fine grain and a blurred "texture" layer.
    grain = Image.effect_noise((w, h), 32).convert("RGB")
    texture = Image.effect_noise((w // 8, h // 8), 96).resize((w, h), Image.Resampling.BICUBIC)
    texture = texture.filter(ImageFilter.GaussianBlur(2)).convert("RGB")
    img = Image.blend(base, ImageChops.overlay(grain, texture), 0.35)
    exif = Image.Exif()
    exif[0x010F] = "Samsung"  # Make
    exif[0x0110] = "Galaxy A15"  # Model
    exif[0x0112] = 6  # Orientation: rotate 90 CW to display
    exif[0x0132] = "2026:11:28 10:30:00"  # DateTime
    gps = {
        1: "S",
        2: (8.0, 39.0, 54.6),  # Denpasar, 8°39'54.6"S 115°13'0.8"E
        3: "E",
        4: (115.0, 13.0, 0.8),
        5: 0,
        6: 12.5,
    }
    exif[0x8825] = gps  # GPSInfo IFD
    out = io.BytesIO()
    img.save(out, "JPEG", quality=90, subsampling="4:2:0", exif=exif.tobytes())
    return out.getvalue()


def _best(fn, runs: int) -> float:
    best = float("inf")
    for _ in range(runs):
        gc.collect()
        t = time.perf_counter()
        fn()
        best = min(best, time.perf_counter() - t)
    return best * 1000


def _memory(what: str, data: bytes) -> tuple[float, float]:
    """(tracemalloc peak MB, RSS high-water growth MB) of one intake or decode, in a child."""
    with tempfile.NamedTemporaryFile(suffix=".jpg") as f:
        f.write(data)
        f.flush()
        out = subprocess.run(
            [sys.executable, "-m", "bench.photo", "--memory", what, f.name],
            capture_output=True,
            text=True,
            check=True,
            cwd=Path(__file__).resolve().parent.parent,
        ).stdout
    peak, rss = out.split()
    return float(peak), float(rss)


def _hwm_kb() -> int:
    # VmHWM, not getrusage's ru_maxrss: Linux carries ru_maxrss over fork and exec, so a child
    # of a big parent would start at the parent's high-water mark.
    status = Path("/proc/self/status").read_text()
    return int(status.split("VmHWM:")[1].split()[0])


def _memory_child(what: str, path: str) -> None:
    from rumah_kemasan.designs.images import clean_image

    data = Path(path).read_bytes()
    gc.collect()
    rss0 = _hwm_kb()
    tracemalloc.start()
    if what == "intake":
        clean_image(data, 50_000_000)
    else:
        with Image.open(io.BytesIO(data)) as im:
            im.load()
    _cur, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    rss1 = _hwm_kb()
    print(peak / 2**20, (rss1 - rss0) / 1024)


def photo_intake(runs: int = 9) -> dict:
    """Time intake against a plain decode of the same file; the figure for latest.json."""
    from rumah_kemasan.designs.images import clean_image

    data = phone_jpeg()
    with Image.open(io.BytesIO(data)) as im:
        exif = im.getexif()
        assert exif.get(0x0112) == 6 and exif.get_ifd(0x8825), "the test photo lost its EXIF"
    max_pixels = 50_000_000

    def intake():
        return clean_image(data, max_pixels)

    def decode():
        with Image.open(io.BytesIO(data)) as im:
            im.load()

    cleaned = intake()
    with Image.open(io.BytesIO(cleaned.data)) as im:
        assert not im.getexif().get_ifd(0x8825), "GPS survived the clean"
    intake_peak, intake_rss = _memory("intake", data)
    decode_peak, decode_rss = _memory("decode", data)
    intake_ms = _best(intake, runs)
    decode_ms = _best(decode, runs)
    return {
        "megapixels": round(WIDTH * HEIGHT / 1e6, 1),
        "file_mb": round(len(data) / 2**20, 2),
        "runs": runs,
        "intake_ms": round(intake_ms, 1),
        "decode_ms": round(decode_ms, 1),
        "ratio": round(intake_ms / decode_ms, 2),
        "peak_rss_mb": round(intake_rss, 1),
        "tracemalloc_peak_mb": round(intake_peak, 1),
        "decode_peak_rss_mb": round(decode_rss, 1),
        "decode_tracemalloc_peak_mb": round(decode_peak, 1),
        "renditions_px": [
            max(Image.open(io.BytesIO(cleaned.preview)).size),
            max(Image.open(io.BytesIO(cleaned.thumb)).size),
        ],
    }


if __name__ == "__main__":
    if sys.argv[1:2] == ["--memory"]:
        _memory_child(sys.argv[2], sys.argv[3])
    else:
        print(json.dumps(photo_intake(), indent=2))
