"""Pictures a person looks at: image grids as PNG."""

import math
import os

import numpy as np
from PIL import Image

from zoo.files import atomic_path


def image_grid(images, columns=None, scale=1, padding=1):
    """Tile images [N, H, W, C] in [0, 1] into one uint8 array [rows * H', columns * W', C'].

    Values are clipped to [0, 1]; `scale` enlarges each image by pixel repetition (8 x 8 digits
    are unreadable at their own size); grayscale stays single-channel.
    """
    images = np.clip(np.asarray(images, dtype=np.float32), 0.0, 1.0)
    if images.ndim != 4:
        raise ValueError(f"expected images [N, H, W, C], got shape {images.shape}")
    n, h, w, c = images.shape
    columns = columns or math.ceil(math.sqrt(n))
    rows = math.ceil(n / columns)
    images = images.repeat(scale, axis=1).repeat(scale, axis=2)
    h, w = h * scale, w * scale
    grid = np.ones((rows * (h + padding) + padding, columns * (w + padding) + padding, c),
                   dtype=np.float32)
    for i, image in enumerate(images):
        r, col = divmod(i, columns)
        top, left = padding + r * (h + padding), padding + col * (w + padding)
        grid[top:top + h, left:left + w] = image
    return (grid * 255.0 + 0.5).astype(np.uint8)


def save_image_grid(images, path, columns=None, scale=1):
    """Write `image_grid(images, columns, scale)` to `path` as PNG, atomically."""
    grid = image_grid(images, columns=columns, scale=scale)
    mode_image = Image.fromarray(grid[..., 0] if grid.shape[-1] == 1 else grid)
    os.makedirs(os.path.dirname(os.path.abspath(path)), exist_ok=True)
    with atomic_path(path) as tmp:
        mode_image.save(tmp, format="PNG")
    return path


def save_panels(panels, path, title, columns=8, scale=1):
    """One figure of labelled image grids side by side (`panels`: (label, images) pairs), as
    PNG, atomically: e.g. real, baseline and model samples, as the papers' sample figures."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, axes = plt.subplots(1, len(panels), figsize=(3.2 * len(panels), 3.6), squeeze=False)
    for ax, (label, images) in zip(axes[0], panels):
        grid = image_grid(images, columns=columns, scale=scale)
        ax.imshow(grid[..., 0] if grid.shape[-1] == 1 else grid, cmap="gray",
                  interpolation="nearest")
        ax.set_title(label)
        ax.axis("off")
    fig.suptitle(title)
    os.makedirs(os.path.dirname(os.path.abspath(path)), exist_ok=True)
    with atomic_path(path, suffix=".png") as tmp:
        fig.savefig(tmp, dpi=150, bbox_inches="tight")
    plt.close(fig)
    return path
