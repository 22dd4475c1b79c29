"""Regenerates the imaging test files and their PIL/Keras reference outputs.

Run with the pinned Python (Fixtures/requirements.txt):
    python Tests/Resources/imaging/make.py
Everything is deterministic; references are what PIL 13 / Keras 3.15 produce.
"""
import io
import os
import struct
import zlib

import numpy as np
from PIL import Image

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
os.environ.setdefault("KERAS_BACKEND", "tensorflow")

HERE = os.path.dirname(os.path.abspath(__file__))


def path(name):
    return os.path.join(HERE, name)


def save_npy(name, array):
    np.save(path(name), np.ascontiguousarray(array))


def png_bytes(width, height, color_type, depth, rows, interlaced=False):
    """A PNG written by hand, for layouts PIL cannot write (16-bit RGB, Adam7)."""
    def chunk(kind, data):
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)
    ihdr = struct.pack(">IIBBBBB", width, height, depth, color_type, 0, 0, 1 if interlaced else 0)
    if interlaced:
        raw = b""
        for x0, y0, dx, dy in [(0, 0, 8, 8), (4, 0, 8, 8), (0, 4, 4, 8), (2, 0, 4, 4), (0, 2, 2, 4), (1, 0, 2, 2), (0, 1, 1, 2)]:
            if x0 >= width or y0 >= height:
                continue
            for y in range(y0, height, dy):
                raw += b"\0" + rows[y][x0::dx].tobytes()
    else:
        raw = b"".join(b"\0" + rows[y].tobytes() for y in range(height))
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", ihdr) + chunk(b"IDAT", zlib.compress(raw)) + chunk(b"IEND", b"")


def base_rgb(height=17, width=23):
    """Gradients, a hard edge and noise: exercises rounding and antialiasing."""
    rng = np.random.RandomState(0)
    y, x = np.mgrid[0:height, 0:width]
    r = x * 255.0 / (width - 1)
    g = y * 255.0 / (height - 1)
    b = np.where((x // 4 + y // 4) % 2 == 0, 230.0, 20.0)
    img = np.stack([r, g, b], axis=-1) + rng.randint(-20, 21, size=(height, width, 3))
    return np.clip(img, 0, 255).astype(np.uint8)


def main():
    rgb = base_rgb()
    h, w = rgb.shape[:2]
    alpha = np.clip(np.mgrid[0:h, 0:w][1] * 12 - 20, 0, 255).astype(np.uint8)
    rgba = np.dstack([rgb, alpha])

    # --- PNG decoding: file + what PIL decodes it to (in our channel layout) ---
    Image.fromarray(rgb).save(path("rgb.png"))
    Image.fromarray(rgba).save(path("rgba.png"))
    Image.fromarray(rgb).convert("L").save(path("grey.png"))
    Image.fromarray(rgba).convert("LA").save(path("grey_alpha.png"))
    Image.fromarray(rgb).convert("1").save(path("bilevel.png"))
    Image.fromarray(rgb).quantize(colors=16).save(path("palette.png"))
    pal = Image.fromarray(rgb).quantize(colors=16)
    pal.info["transparency"] = 3
    pal.save(path("palette_alpha.png"), transparency=3)
    rgb16 = (rgb.astype(np.uint16) * 257 + np.arange(w, dtype=np.uint16)[None, :, None] * 3).astype(">u2")
    open(path("rgb16.png"), "wb").write(png_bytes(w, h, 2, 16, rgb16))
    grey16 = (np.arange(h * w, dtype=np.uint16).reshape(h, w) * 2).astype(">u2")  # 0..780: PIL clips at 255
    open(path("grey16.png"), "wb").write(png_bytes(w, h, 0, 16, grey16))
    open(path("interlaced.png"), "wb").write(png_bytes(w, h, 2, 8, rgb, interlaced=True))

    layouts = {
        "rgb.png": "RGB", "rgba.png": "RGBA", "grey.png": "L", "grey_alpha.png": "RGBA",
        "bilevel.png": "L", "palette.png": "RGB", "palette_alpha.png": "RGBA",
        "rgb16.png": "RGB", "grey16.png": "L", "interlaced.png": "RGB",
    }
    for name, mode in layouts.items():
        im = Image.open(path(name))
        save_npy(name.replace(".png", ".png.npy"), np.array(im.convert(mode)))

    # --- JPEG decoding ---
    Image.fromarray(rgb).save(path("baseline.jpg"), quality=90)
    Image.fromarray(rgb).save(path("progressive.jpg"), quality=90, progressive=True)
    Image.fromarray(rgb).convert("L").save(path("grey.jpg"), quality=90)
    Image.fromarray(rgb).convert("CMYK").save(path("cmyk.jpg"), quality=90)
    for name in ["baseline.jpg", "progressive.jpg", "grey.jpg"]:
        save_npy(name + ".npy", np.array(Image.open(path(name))))

    # --- Broken files ---
    good_png = open(path("rgb.png"), "rb").read()
    good_jpg = open(path("baseline.jpg"), "rb").read()
    open(path("truncated.png"), "wb").write(good_png[: len(good_png) // 2])
    open(path("truncated.jpg"), "wb").write(good_jpg[: len(good_jpg) // 2])
    corrupt = bytearray(good_png)
    idat = corrupt.index(b"IDAT")
    for i in range(idat + 8, idat + 40):
        corrupt[i] ^= 0x5A
    open(path("corrupt.png"), "wb").write(bytes(corrupt))
    open(path("empty.png"), "wb").write(b"")
    open(path("not_an_image.png"), "wb").write(b"hello, this is text\n")
    # A 100000 x 100000 RGB PNG header with a tiny IDAT: must be refused before allocating.
    def chunk(kind, data):
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)
    huge = (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", 100000, 100000, 8, 2, 0, 0, 0))
            + chunk(b"IDAT", zlib.compress(b"\0" * 1000)) + chunk(b"IEND", b""))
    open(path("huge.png"), "wb").write(huge)

    # --- Resize: PIL Image.resize references ---
    filters = {"nearest": Image.NEAREST, "bilinear": Image.BILINEAR, "bicubic": Image.BICUBIC,
               "hamming": Image.HAMMING, "box": Image.BOX, "lanczos": Image.LANCZOS}
    sizes = [(40, 31), (9, 7), (30, 8)]  # (width, height): up, down by ~2.5, mixed
    for fname, f in filters.items():
        for (tw, th) in sizes:
            out = Image.fromarray(rgb).resize((tw, th), f)
            save_npy(f"resize_rgb_{fname}_{tw}x{th}.npy", np.array(out))
    for fname in ["nearest", "bilinear"]:
        for (tw, th) in sizes[:2]:
            out = Image.fromarray(rgba).resize((tw, th), filters[fname])
            save_npy(f"resize_rgba_{fname}_{tw}x{th}.npy", np.array(out))
    save_npy("resize_grey_bilinear_9x7.npy", np.array(Image.fromarray(rgb).convert("L").resize((9, 7), Image.BILINEAR)))
    save_npy("convert_rgb_to_l.npy", np.array(Image.fromarray(rgb).convert("L")))

    import keras  # noqa: E402  (slow import, only needed from here on)
    from keras.applications import imagenet_utils

    def load(name, **kw):
        return keras.utils.img_to_array(keras.utils.load_img(path(name), **kw)).astype(np.uint8)
    save_npy("load_img_rgba_bilinear_12x20.npy", load("rgba.png", target_size=(20, 12), interpolation="bilinear"))
    save_npy("load_img_rgb_nearest_aspect_10x10.npy",
             load("rgb.png", target_size=(10, 10), interpolation="nearest", keep_aspect_ratio=True))
    save_npy("load_img_palette_bilinear_aspect_9x13.npy",
             load("palette_alpha.png", target_size=(13, 9), interpolation="bilinear", keep_aspect_ratio=True))

    # --- Preprocessing: keras.applications preprocess_input on the RGB test image ---
    x = rgb.astype(np.float32)[None]
    for mode in ["caffe", "tf", "torch"]:
        save_npy(f"preprocess_{mode}.npy", imagenet_utils.preprocess_input(x.copy(), mode=mode))

    # --- NPY dtypes and header versions written by NumPy ---
    a = (np.arange(24).reshape(2, 3, 4) - 7) * 0.5
    for dtype in ["<f4", "<f8", "<f2", "<i4", "<i8", "|u1"]:
        data = np.abs(a) * 2 if dtype == "|u1" else a
        np.save(path(f"npy_{dtype[1:]}.npy"), data.astype(dtype))
    for version in [(2, 0), (3, 0)]:
        with open(path(f"npy_v{version[0]}.npy"), "wb") as f:
            np.lib.format.write_array(f, a.astype("<f4"), version=version)
    np.save(path("npy_fortran.npy"), np.asfortranarray(a.astype("<f4")))
    np.save(path("npy_bigendian.npy"), a.astype(">f4"))
    np.save(path("npy_scalar.npy"), np.float32(2.5))


if __name__ == "__main__":
    main()
