"""Pictures people choose (the studio's logo, a person's photo): checked, made the size they
are shown at, and stored as PNG or JPEG bytes.

Pillow reads them; anything that is not a whole PNG or JPEG image of a sensible size is
refused with a sentence for the field it was chosen in.
"""

from __future__ import annotations

import io
from dataclasses import dataclass

from PIL import Image, ImageOps, UnidentifiedImageError

from studiosync_desktop.errors import ValidationFailed

# A file larger than this is not a logo or a photo a desk means to use.
MAX_FILE_BYTES = 15 * 1024 * 1024
# More pixels than a 64-megapixel camera's: a decompression bomb, not a photo.
MAX_PIXELS = 64_000_000
ACCEPTED = {"PNG": "image/png", "JPEG": "image/jpeg"}


@dataclass(frozen=True)
class Picture:
    data: bytes
    mime_type: str
    width: int
    height: int


def _open(data: bytes, field: str) -> Image.Image:
    if not data:
        raise ValidationFailed({field: "The file is empty: choose a PNG or JPEG picture."})
    if len(data) > MAX_FILE_BYTES:
        raise ValidationFailed(
            {field: "The picture is larger than 15 MB: save a smaller copy and choose that."}
        )
    try:
        image = Image.open(io.BytesIO(data))
        if image.format not in ACCEPTED:
            raise ValidationFailed(
                {field: f"This is a {image.format or 'different'} file: choose a PNG or JPEG."}
            )
        if image.width * image.height > MAX_PIXELS:
            raise ValidationFailed({field: "The picture has too many pixels to be a photo."})
        image.load()  # reads the whole file: a cut-off one fails here, not when printed
    except ValidationFailed:
        raise
    except (UnidentifiedImageError, OSError, ValueError, Image.DecompressionBombError) as exc:
        raise ValidationFailed(
            {field: "This file is not a picture StudioSync can read: choose a PNG or JPEG."}
        ) from exc
    return ImageOps.exif_transpose(image)  # a phone's photo the right way up


def _encode(image: Image.Image, as_png: bool, quality: int = 85) -> Picture:
    out = io.BytesIO()
    if as_png:
        image.save(out, "PNG", optimize=True)
    else:
        image.convert("RGB").save(out, "JPEG", quality=quality, optimize=True)
    return Picture(out.getvalue(), "image/png" if as_png else "image/jpeg", *image.size)


def fit_logo(data: bytes, field: str = "logo") -> Picture:
    """A logo at most 600 x 200 pixels (printed about 5 cm wide at 300 dpi), kept a PNG (and
    its transparency) when it came as one, else a JPEG."""
    image = _open(data, field)
    as_png = image.format == "PNG" or image.mode in ("RGBA", "LA", "P")
    if image.mode not in ("RGB", "RGBA", "L", "LA"):
        image = image.convert("RGBA" if as_png else "RGB")
    image.thumbnail((600, 200), Image.Resampling.LANCZOS)
    return _encode(image, as_png)


def fit_photo(data: bytes, field: str = "photo") -> tuple[Picture, Picture]:
    """A person's photo (at most 512 pixels square, JPEG, well under the database's 1 MB) and
    its list-sized copy (64 pixels, under 32 KB), both cropped to a square from the middle."""
    image = _open(data, field).convert("RGB")
    side = min(image.size)
    square = ImageOps.fit(image, (side, side), Image.Resampling.LANCZOS)
    photo = square.resize((min(side, 512),) * 2, Image.Resampling.LANCZOS)
    thumb = square.resize((64, 64), Image.Resampling.LANCZOS)
    return _encode(photo, as_png=False), _encode(thumb, as_png=False, quality=80)
